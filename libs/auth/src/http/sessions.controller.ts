import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AccessService, Authenticated, CheckPolicy, Public } from '@conduit/access';
import { Audited, AuditedByService } from '@conduit/audit';
import { ApiErrors, Clock, CommonException, requestMeta } from '@conduit/platform';
import { AuthException } from '../auth.exception';
import { Authenticator } from '../authenticator';
import {
  AuthSettingsResponse,
  RevokedSessionsResponse,
  SessionListResponse,
  SessionResponse,
  UpdateAuthSettingsDto,
  UpdateSessionDto,
} from '../dto/session.dto';
import { SessionManagement, parseExpiry } from '../session-management.service';
import { TokenService } from '../token.service';

@ApiTags('auth')
@ApiBearerAuth('bearer')
@Controller('api/v1/auth')
export class SessionsController {
  constructor(
    private readonly sessions: SessionManagement,
    private readonly access: AccessService,
    private readonly clock: Clock,
  ) {}

  @Get('sessions')
  @Authenticated()
  @ApiOperation({
    summary: 'Your live sessions',
    description:
      'The live sessions of the calling user in the tenant their token was issued in, newest first; `current` marks the one making the request. An API key has none (400 sessions_require_user).',
  })
  @ApiOkResponse({ type: SessionListResponse })
  @ApiErrors(400, 401)
  async list(): Promise<SessionListResponse> {
    return { data: await this.sessions.listOwn() };
  }

  @Delete('sessions/:id')
  @Authenticated()
  @AuditedByService()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke one of your sessions',
    description:
      "Ends the session and every access token issued for it at once (the next request with one answers 401). Audited as auth.session.revoke. Someone else's session, or one already ended: 404 session_not_found.",
  })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(400, 401, 404)
  async revoke(@Param('id') id: string, @Req() req: FastifyRequest): Promise<void> {
    await this.sessions.revokeOwn(id, requestMeta(req));
  }

  @Patch('sessions/:id')
  @Authenticated()
  @AuditedByService()
  @ApiOperation({
    summary: "Set a session's expiry",
    description:
      "Your own session, or (as a tenant admin acting in its tenant) any session there. expires_at must be in the future (400 session_expiry_in_past) and no later than the session's created_at plus the tenant's session_max_lifetime, or JWT_REFRESH_TTL_SECONDS when the tenant sets none (400 session_expiry_too_late). Audited as auth.session.expiry_set. The recommended form of the legacy GET /updateUserSessionExpiretime/{accesstoken}/{exiprytime}/.",
  })
  @ApiOkResponse({ type: SessionResponse })
  @ApiErrors(400, 401, 404)
  update(@Param('id') id: string, @Body() dto: UpdateSessionDto, @Req() req: FastifyRequest): Promise<SessionResponse> {
    return this.sessions.setExpiry(this.access.identity(), id, new Date(dto.expires_at), requestMeta(req), 'api');
  }

  @Get('settings')
  @CheckPolicy('read', 'AuthSettings')
  @ApiSecurity('api_key')
  @ApiOperation({
    summary: "The acting tenant's session settings and enforced SSO",
    description: 'Tenant admins. Unset values are null (no limit beyond the platform defaults).',
  })
  @ApiOkResponse({ type: AuthSettingsResponse })
  @ApiErrors(401, 403)
  getSettings(): Promise<AuthSettingsResponse> {
    return this.sessions.getSettings();
  }

  @Patch('settings')
  @CheckPolicy('update', 'AuthSettings')
  @Audited('auth.settings.update', 'AuthSettings')
  @ApiSecurity('api_key')
  @ApiOperation({
    summary: "Change the acting tenant's session settings and enforced SSO",
    description:
      "Absent fields are kept; null clears one. session_max_lifetime and session_idle_timeout are seconds (300 to 366 days); max_concurrent_sessions revokes a user's oldest live sessions beyond it at each new sign-in (reason max_concurrent_sessions). sso_enforced: true needs at least one enabled SSO connection (400 sso_not_configured); then password login and the refresh of password sessions answer 403 sso_required with the login URLs, except for platform admins (break-glass, audited).",
  })
  @ApiOkResponse({ type: AuthSettingsResponse })
  @ApiErrors(400, 401, 403)
  updateSettings(@Body() dto: UpdateAuthSettingsDto): Promise<AuthSettingsResponse> {
    return this.sessions.updateSettings(dto);
  }
}

@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/users')
export class UserSessionsController {
  constructor(private readonly sessions: SessionManagement) {}

  @Delete(':id/sessions')
  @CheckPolicy('update', 'User')
  @Audited('user.sessions.revoke', 'User')
  @ApiOperation({
    summary: "Revoke all of a user's sessions in the acting tenant",
    description:
      'Tenant admins; not for a user whose role is above yours (403 role_not_allowed). Their access tokens for this tenant fail from the next request; their sessions in other tenants are untouched. Audited as user.sessions.revoke.',
  })
  @ApiOkResponse({ type: RevokedSessionsResponse })
  @ApiErrors(401, 403, 404)
  revokeAll(@Param('id') id: string): Promise<RevokedSessionsResponse> {
    return this.sessions.revokeMember(id);
  }
}

/**
 * The seed's path, kept as it was published (the PATCH above is the recommended form). The access token in the path is
 * a credential: request logs mask it (apps/api logging), metrics label the route pattern, audit rows name the session.
 */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

@ApiTags('auth')
@Controller()
export class LegacySessionExpiryController {
  constructor(
    private readonly sessions: SessionManagement,
    private readonly authenticator: Authenticator,
    private readonly tokens: TokenService,
    private readonly access: AccessService,
    private readonly clock: Clock,
  ) {}

  // A wildcard, not two parameters: an access token is longer than the router's limit for one path parameter (414).
  @Get('updateUserSessionExpiretime/*')
  @Public()
  @AuditedByService()
  @ApiBearerAuth('bearer')
  @ApiParam({
    name: 'path',
    description:
      '`{accesstoken}/{exiprytime}/`: an access token of the session to change (never logged), then the new expiry as seconds from now (digits, e.g. 3600) or an ISO 8601 date-time with a zone (2026-12-31T18:00:00Z), then a slash',
    example: 'eyJhbGciOiJIUzI1NiIs.../3600/',
  })
  @ApiOperation({
    summary:
      'Set the expiry of the session an access token belongs to (legacy path; prefer PATCH /api/v1/auth/sessions/{id})',
    description:
      "Allowed to the session itself (the token in the path authenticates when no Authorization header is sent, or the bearer token is of the same session) or to an admin of the session's tenant (bearer). Same limits as the PATCH: 400 session_expiry_invalid, session_expiry_in_past, session_expiry_too_late; 404 session_not_found.",
  })
  @ApiOkResponse({ type: SessionResponse })
  @ApiErrors(400, 401, 403, 404)
  async legacySetExpiry(@Req() req: FastifyRequest): Promise<SessionResponse> {
    const rest = (req.params as Record<string, string | undefined>)['*'] ?? '';
    const parts = /^([^/]+)\/([^/]+)\/?$/.exec(rest);
    if (!parts)
      throw new CommonException('route_not_found', 404, 'Use /updateUserSessionExpiretime/{accesstoken}/{exiprytime}/');
    const [, accessToken, expiry] = parts;
    const meta = requestMeta(req);
    const target = this.tokens.sessionOfAccessToken(accessToken);
    if (!target) throw new AuthException('session_not_found', 'The token belongs to no session');
    const authorization = req.headers.authorization;
    const tenantHeader = req.headers['x-tenant-id'];
    const identity = await this.authenticator.authenticate(
      {
        authorization: authorization ?? `Bearer ${accessToken}`,
        actingTenant: typeof tenantHeader === 'string' ? tenantHeader : undefined,
      },
      meta,
    );
    this.access.setIdentity(identity);
    const expiresAt = parseExpiry(safeDecode(expiry), this.clock.now());
    if (!expiresAt)
      throw new AuthException(
        'session_expiry_invalid',
        'exiprytime must be whole seconds from now or an ISO 8601 date-time with a time zone',
      );
    return this.sessions.setExpiry(identity, target.sessionId, expiresAt, meta, 'update_user_session_expiretime');
  }
}
