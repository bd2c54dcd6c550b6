import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AccessService, Authenticated, Public } from '@conduit/access';
import { ApiErrors, requestMeta } from '@conduit/platform';
import { AuditedByService } from '@conduit/audit';
import { LoginDto, MeResponse, RefreshDto, TokenResponse } from '../dto/auth.dto';
import { MembershipLookup } from '../membership-lookup';
import { SessionService } from '../session.service';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly sessions: SessionService,
    private readonly memberships: MembershipLookup,
    private readonly access: AccessService,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  @ApiOkResponse({ type: TokenResponse })
  @ApiErrors(400, 401, 403, 429)
  login(@Body() dto: LoginDto, @Req() req: FastifyRequest): Promise<TokenResponse> {
    return this.sessions.login(dto, requestMeta(req));
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the refresh token; presenting a used one revokes the whole session' })
  @ApiOkResponse({ type: TokenResponse })
  @ApiErrors(400, 401, 403)
  refresh(@Body() dto: RefreshDto, @Req() req: FastifyRequest): Promise<TokenResponse> {
    return this.sessions.refresh(dto.refresh_token, requestMeta(req));
  }

  @Post('logout')
  @Authenticated()
  @AuditedByService()
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: 'Revoke this session and the access token presented',
    description:
      'Needs an access token issued by Conduit: an API key or identity-provider token is 400 logout_requires_session.',
  })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiErrors(400, 401)
  async logout(@Req() req: FastifyRequest): Promise<void> {
    await this.sessions.logout(this.access.principal(), requestMeta(req));
  }

  @Get('me')
  @Authenticated()
  @ApiBearerAuth('bearer')
  @ApiSecurity('api_key')
  @ApiOperation({ summary: 'Who am I, in which tenant, with which role' })
  @ApiOkResponse({ type: MeResponse })
  @ApiErrors(401)
  async me(): Promise<MeResponse> {
    const { principal, tenant } = this.access.identity();
    const memberships =
      principal.kind === 'user' && principal.userId ? await this.memberships.forUser(principal.userId) : [];
    return {
      kind: principal.kind,
      id: principal.id,
      label: principal.label,
      role: principal.role,
      scopes: principal.scopes,
      home_tenant_id: principal.homeTenantId,
      tenant: {
        id: tenant.id,
        code: tenant.code,
        name: tenant.name,
        status: tenant.status,
        parent_id: tenant.parent_id,
      },
      memberships: memberships.map((m) => ({ tenant_id: m.tenant.id, tenant_code: m.tenant.code, role: m.role })),
    };
  }
}
