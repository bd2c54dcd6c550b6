import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Redirect, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExcludeEndpoint,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessService, Authenticated, Public } from '@conduit/access';
import { AuditedByService } from '@conduit/audit';
import { TokenResponse } from '@conduit/auth';
import { ApiErrors, ConduitException, requestMeta } from '@conduit/platform';
import { SamlExchangeDto, SamlLoginQueryDto, SamlLogoutResponse, SamlSloQueryDto } from '../dto/saml.dto';
import { SamlLogoutService } from '../saml-logout.service';
import { SamlSignInService } from '../saml-sign-in.service';
import { SamlConnections } from '../saml/saml-connections';
import { spMetadataXml } from '../saml/sp-metadata';
import { COMPLETE_PAGE, COMPLETE_SCRIPT, SIGNED_OUT_PAGE, refusalPage } from './complete-page';
import { requestOrigin } from './request-origin';

/*
 * BROWSER_BINDINGS: the login and ACS routes are the SAML protocol's browser bindings (a 302 to the IdP, a form post
 * answered with a 302), and complete/complete.js a page and its script. They are left out of the OpenAPI document,
 * whose lint (Redocly's recommended rules, none switched off) wants a 2XX and a 4XX answer per operation; docs/sso.md
 * describes them.
 */
interface RedirectTo {
  url: string;
  statusCode: number;
}

@ApiTags('sso')
@Controller('api/v1/auth/saml')
export class SamlController {
  constructor(
    private readonly signIn: SamlSignInService,
    private readonly logouts: SamlLogoutService,
    private readonly saml: SamlConnections,
    private readonly access: AccessService,
  ) {}

  @Get('complete')
  @ApiExcludeEndpoint() // browser binding: see BROWSER_BINDINGS
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiProduces('text/html')
  @ApiOperation({
    summary: 'Where a SAML sign-in lands by default: trades ?code= for tokens and opens Swagger UI authorised',
  })
  @ApiOkResponse({ description: 'An HTML page', schema: { type: 'string' } })
  complete(): string {
    return COMPLETE_PAGE;
  }

  @Get('complete.js')
  @ApiExcludeEndpoint() // browser binding: see BROWSER_BINDINGS
  @Public()
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  @ApiProduces('text/javascript')
  @ApiOperation({ summary: "The sign-in page's script (served here so the page needs no inline script)" })
  @ApiOkResponse({ description: 'JavaScript', schema: { type: 'string' } })
  completeScript(): string {
    return COMPLETE_SCRIPT;
  }

  @Post('exchange')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Trade the one-time code a SAML sign-in ended with for an access and a refresh token' })
  @ApiOkResponse({ type: TokenResponse })
  @ApiErrors(400, 401)
  exchange(@Body() dto: SamlExchangeDto): Promise<TokenResponse> {
    return this.signIn.exchange(dto.code);
  }

  @Post('logout')
  @Authenticated()
  @AuditedByService()
  @HttpCode(200)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: 'End a session begun through SAML; answers where to send the browser to sign out at the IdP too',
    description: 'Needs an access token of a SAML session: any other is 400 logout_requires_saml_session.',
  })
  @ApiOkResponse({ type: SamlLogoutResponse })
  @ApiErrors(400, 401)
  logout(@Req() req: FastifyRequest): Promise<SamlLogoutResponse> {
    return this.logouts.logout(this.access.principal(), requestMeta(req), requestOrigin(req));
  }

  @Get(':connection_id/metadata')
  @Public()
  @Header('content-type', 'application/samlmetadata+xml; charset=utf-8')
  @ApiOperation({ summary: "The connection's SP metadata: entity id, ACS and SLO URLs, signing certificate" })
  // The XML is the 200's alone: a 404 answers the JSON error body like every other route.
  @ApiOkResponse({
    description: 'SAML metadata (EntityDescriptor)',
    content: { 'application/samlmetadata+xml': { schema: { type: 'string' } } },
  })
  @ApiErrors(404)
  async metadata(@Param('connection_id') id: string, @Req() req: FastifyRequest): Promise<string> {
    const connection = await this.saml.find(id);
    return spMetadataXml(this.saml.endpoints(connection, requestOrigin(req)), connection.sp_certificate);
  }

  @Get(':connection_id/login')
  @ApiExcludeEndpoint() // browser binding: see BROWSER_BINDINGS
  @Public()
  @Redirect()
  @ApiOperation({ summary: 'Start signing in: redirects to the identity provider with a signed AuthnRequest' })
  @ApiFoundResponse({ description: "To the IdP's SSO URL (HTTP-Redirect binding)" })
  @ApiErrors(400, 401, 403, 404)
  async login(
    @Param('connection_id') id: string,
    @Query() query: SamlLoginQueryDto,
    @Req() req: FastifyRequest,
  ): Promise<RedirectTo> {
    return { url: await this.signIn.loginUrl(id, query.return_to, requestOrigin(req)), statusCode: 302 };
  }

  @Post(':connection_id/acs')
  @ApiExcludeEndpoint() // browser binding: see BROWSER_BINDINGS
  @Public()
  async acs(
    @Param('connection_id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const form = body && typeof body === 'object' && !Buffer.isBuffer(body) ? body : {};
    try {
      const url = await this.signIn.consume(id, form, requestOrigin(req), requestMeta(req));
      void reply.code(302).header('location', url).header('cache-control', 'no-store');
      return '';
    } catch (err) {
      // A browser (the IdP's auto-posting form) is shown the refusal; any other client gets the JSON error body.
      if (!(err instanceof ConduitException) || !prefersHtml(req)) throw err;
      void reply
        .code(err.status)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store');
      return refusalPage(err.code, err.message, req.id);
    }
  }

  @Get(':connection_id/slo')
  @Public()
  @ApiOperation({
    summary:
      "Single logout from the IdP (HTTP-Redirect): a LogoutRequest ends that user's sessions from the connection",
  })
  @ApiFoundResponse({ description: 'To the IdP with a signed LogoutResponse' })
  @ApiOkResponse({ description: 'The signed-out page', schema: { type: 'string' } })
  @ApiErrors(400, 401, 403, 404)
  async slo(
    @Param('connection_id') id: string,
    @Query() query: SamlSloQueryDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // The signature covers the query exactly as the IdP encoded it.
    const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    const outcome = await this.logouts.idpMessage(
      id,
      query as Record<string, unknown>,
      rawQuery,
      requestOrigin(req),
      requestMeta(req),
    );
    void reply.header('cache-control', 'no-store');
    if ('redirect' in outcome) {
      void reply.code(302).header('location', outcome.redirect);
      return '';
    }
    void reply.header('content-type', 'text/html; charset=utf-8');
    return SIGNED_OUT_PAGE;
  }
}

/** Whether the client asks for HTML before JSON (a browser's form post does; fetch and API clients do not). */
function prefersHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}
