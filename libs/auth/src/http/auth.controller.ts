import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessService, Authenticated, Public } from '@conduit/access';
import { ApiErrors, requestMeta } from '@conduit/platform';
import { AuditedByService } from '@conduit/audit';
import { LoginLockedException } from '../auth.exception';
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
  @ApiOperation({
    summary: 'Exchange email and password for an access and a refresh token',
    description:
      "Without `tenant`, signs in to the first tenant where the membership is active. Failed sign-ins are limited per account, per (account, client address) and per address (docs/sessions.md): over a limit, 429 login_locked with Retry-After, before the password is checked. A member of a tenant that enforces SSO gets 403 sso_required, with the tenant's SSO login URLs in error.details (platform admins excepted: break-glass, audited). A disabled membership: 403 user_disabled.",
  })
  @ApiOkResponse({ type: TokenResponse })
  @ApiErrors(400, 401, 403, 429)
  async login(
    @Body() dto: LoginDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    try {
      return await this.sessions.login(dto, requestMeta(req));
    } catch (err) {
      if (err instanceof LoginLockedException) void reply.header('retry-after', String(err.retryAfterSeconds));
      throw err;
    }
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the refresh token; presenting a used one revokes the whole session',
    description:
      "401 session_idle_expired past the tenant's idle timeout; 401 refresh_token_invalid past its maximum lifetime; 403 sso_required for a password session once the tenant enforces SSO.",
  })
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
      // HTTP callers are users and API keys; a system principal exists only in operator commands.
      kind: principal.kind === 'api_key' ? 'api_key' : 'user',
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
