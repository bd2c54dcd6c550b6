// The sessions API: a user's own live sessions (list, revoke, shorten or extend within the tenant's maximum), a tenant
// admin's revoking of a member's sessions and setting of a session's expiry, and the tenant's session settings.
import { Injectable } from '@nestjs/common';
import { AccessService, Principal, RequestIdentity, roleAtLeast } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { TenantContext } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, TenantId, isUuid } from '@conduit/platform';
import { AuthException } from './auth.exception';
import {
  AuthSettingsResponse,
  RevokedSessionsResponse,
  SessionResponse,
  UpdateAuthSettingsDto,
} from './dto/session.dto';
import { AuthSessionEntity } from './entities/auth-session.entity';
import { MembershipLookup } from './membership-lookup';
import { SessionRow, SessionsRepository } from './repositories/sessions.repository';
import { AuthSettings, TenantAuthSettingsRepository } from './repositories/tenant-auth-settings.repository';
import { RequestMeta } from './request-meta';
import { SsoLinks } from './sso-links';

function presentSession(s: AuthSessionEntity, currentSessionId: string | undefined): SessionResponse {
  return {
    id: s.id,
    created_at: s.created_at.toISOString(),
    last_used_at: s.last_used_at.toISOString(),
    expires_at: s.expires_at.toISOString(),
    ip: s.ip,
    user_agent: s.user_agent,
    method: s.method,
    connection_id: s.connection_id,
    current: s.id === currentSessionId,
  };
}

function presentSettings(s: AuthSettings & { updated_at: Date | null }): AuthSettingsResponse {
  return {
    session_max_lifetime: s.session_max_lifetime_seconds,
    session_idle_timeout: s.session_idle_timeout_seconds,
    max_concurrent_sessions: s.max_concurrent_sessions,
    sso_enforced: s.sso_enforced,
    updated_at: s.updated_at ? s.updated_at.toISOString() : null,
  };
}

/**
 * What GET /updateUserSessionExpiretime/{accesstoken}/{exiprytime}/ accepts as the expiry: whole seconds from now
 * (digits only, 1 or more), or an ISO 8601 date-time with a time zone (2026-12-31T18:00:00Z). Null when it is neither.
 */
export function parseExpiry(raw: string, now: Date): Date | null {
  if (/^\d{1,10}$/.test(raw)) {
    const seconds = Number(raw);
    return seconds > 0 ? new Date(now.getTime() + seconds * 1000) : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) return null;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : new Date(at);
}

@Injectable()
export class SessionManagement {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly sessions: SessionsRepository,
    private readonly settings: TenantAuthSettingsRepository,
    private readonly memberships: MembershipLookup,
    private readonly access: AccessService,
    private readonly ssoLinks: SsoLinks,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** The caller's live sessions in the tenant their token was issued in, newest first. */
  async listOwn(): Promise<SessionResponse[]> {
    const principal = this.userPrincipal();
    const rows = await this.db.runInTenantControlPlane(principal.homeTenantId, () =>
      this.sessions.listLive(principal.homeTenantId, principal.userId),
    );
    return rows.map((s) => presentSession(s, principal.sessionId));
  }

  /** Revokes one of the caller's own sessions (its access tokens fail from the next request). */
  async revokeOwn(id: string, meta: RequestMeta): Promise<void> {
    const principal = this.userPrincipal();
    const tenantId = principal.homeTenantId;
    const session = isUuid(id)
      ? await this.db.runInTenantControlPlane(tenantId, () => this.sessions.find(tenantId, id))
      : null;
    if (!session || session.user_id !== principal.userId || session.dead)
      throw new AuthException('session_not_found', 'Session not found');
    await this.db.runInTenantControlPlane(tenantId, async () => {
      await this.sessions.revoke(tenantId, id, 'revoked_by_user', this.clock.now());
      await this.record(tenantId, 'auth.session.revoke', principal, id, meta, { reason: 'revoked_by_user' });
    });
  }

  /**
   * A tenant admin revokes every session of a member of the acting tenant there (not a member whose role is above
   * theirs). The route's request transaction audits it.
   */
  async revokeMember(userId: string): Promise<RevokedSessionsResponse> {
    const { principal, tenant } = this.access.identity();
    this.access.assert('update', 'User', { tenant_id: tenant.id }, 'user_not_found');
    const member = isUuid(userId) ? await this.memberships.inTenant(userId, tenant.id) : null;
    if (!member) throw new AuthException('user_not_found', 'User not found');
    if (!roleAtLeast(principal.role, member.role))
      throw new AuthException('role_not_allowed', 'You cannot end the sessions of a user whose role is above yours');
    const revoked = await this.db.runInTenantControlPlane(tenant.id, () =>
      this.sessions.revokeForUser(tenant.id, userId, 'revoked_by_admin', this.clock.now()),
    );
    return { revoked };
  }

  /**
   * Sets a live session's expiry: by the session's own user, or an admin of its tenant (acting in it). Never in the
   * past (400 session_expiry_in_past), never past created_at plus the tenant's maximum lifetime, or
   * JWT_REFRESH_TTL_SECONDS when it has none (400 session_expiry_too_late). Audited as auth.session.expiry_set.
   */
  async setExpiry(
    identity: RequestIdentity,
    id: string,
    expiresAt: Date,
    meta: RequestMeta,
    via: 'api' | 'update_user_session_expiretime',
  ): Promise<SessionResponse> {
    const { principal } = identity;
    const session = isUuid(id) ? await this.findVisible(identity, id) : null;
    const own = session && session.user_id === principal.userId && session.tenant_id === principal.homeTenantId;
    const admin =
      session &&
      session.tenant_id === identity.tenant.id &&
      this.access.can('update', 'User', { tenant_id: session.tenant_id });
    if (!session || session.dead || !(own || admin)) throw new AuthException('session_not_found', 'Session not found');
    const now = this.clock.now();
    if (expiresAt.getTime() <= now.getTime())
      throw new AuthException('session_expiry_in_past', 'expires_at must be in the future');
    const settings = await this.db.runInTenantControlPlane(session.tenant_id, () =>
      this.settings.get(session.tenant_id),
    );
    const maxSeconds = settings.session_max_lifetime_seconds ?? this.config.JWT_REFRESH_TTL_SECONDS;
    const latest = new Date(session.created_at.getTime() + maxSeconds * 1000);
    if (expiresAt.getTime() > latest.getTime())
      throw new AuthException(
        'session_expiry_too_late',
        `expires_at may not be later than ${latest.toISOString()} (the session's creation plus the tenant's maximum lifetime of ${maxSeconds} s)`,
      );
    const updated = await this.db.runInTenantControlPlane(session.tenant_id, async () => {
      const ok = await this.sessions.setExpiry(session.tenant_id, session.id, expiresAt);
      if (ok)
        await this.record(session.tenant_id, 'auth.session.expiry_set', principal, session.id, meta, {
          expires_at: expiresAt.toISOString(),
          previous_expires_at: session.expires_at.toISOString(),
          via,
          ...(own ? {} : { user_id: session.user_id }),
        });
      return ok;
    });
    if (!updated) throw new AuthException('session_not_found', 'Session not found');
    return presentSession({ ...session, expires_at: expiresAt }, principal.sessionId);
  }

  /** The acting tenant's session settings. */
  async getSettings(): Promise<AuthSettingsResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'AuthSettings', { tenant_id: tenantId });
    return presentSettings(await this.db.runInTenantControlPlane(tenantId, () => this.settings.get(tenantId)));
  }

  /**
   * Changes the acting tenant's settings (absent: kept; null: cleared). Enforcing SSO needs at least one enabled SSO
   * connection (400 sso_not_configured): otherwise nobody but a platform admin could sign in.
   */
  async updateSettings(dto: UpdateAuthSettingsDto): Promise<AuthSettingsResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('update', 'AuthSettings', { tenant_id: tenantId });
    return this.db.runInTenantControlPlane(tenantId, async () => {
      const current = await this.settings.get(tenantId);
      const next: AuthSettings = {
        sso_enforced: dto.sso_enforced ?? current.sso_enforced,
        session_max_lifetime_seconds:
          dto.session_max_lifetime === undefined ? current.session_max_lifetime_seconds : dto.session_max_lifetime,
        session_idle_timeout_seconds:
          dto.session_idle_timeout === undefined ? current.session_idle_timeout_seconds : dto.session_idle_timeout,
        max_concurrent_sessions:
          dto.max_concurrent_sessions === undefined ? current.max_concurrent_sessions : dto.max_concurrent_sessions,
      };
      if (next.sso_enforced && !current.sso_enforced && (await this.ssoLinks.loginLinks(tenantId)).length === 0)
        throw new AuthException(
          'sso_not_configured',
          'Enforcing SSO needs at least one enabled SSO connection in this tenant; create one first',
        );
      const now = this.clock.now();
      await this.settings.put(tenantId, next, now);
      return presentSettings({ ...next, updated_at: now });
    });
  }

  /** A session by id in the acting tenant, or else (a user's own) in their home tenant. */
  private async findVisible(identity: RequestIdentity, id: string): Promise<SessionRow | null> {
    const tenants: TenantId[] = [identity.tenant.id];
    if (identity.principal.homeTenantId !== identity.tenant.id) tenants.push(identity.principal.homeTenantId);
    for (const tenantId of tenants) {
      const row = await this.db.runInTenantControlPlane(tenantId, () => this.sessions.find(tenantId, id));
      if (row) return row;
    }
    return null;
  }

  private userPrincipal(): Principal & { userId: string } {
    const principal = this.access.principal();
    if (principal.kind !== 'user' || !principal.userId)
      throw new AuthException(
        'sessions_require_user',
        'Sessions belong to users: an API key has none (manage keys with /api/v1/api-keys)',
      );
    return principal as Principal & { userId: string };
  }

  private async record(
    tenantId: TenantId,
    action: string,
    principal: Principal,
    sessionId: string,
    meta: RequestMeta,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    await this.audit.record({
      tenantId,
      action,
      outcome: 'success',
      actor: { type: principal.kind, id: principal.id, label: principal.label },
      target: { type: 'Session', id: sessionId },
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
      metadata,
    });
  }
}
