// Login, refresh-token rotation with reuse detection, and logout.
import { Injectable } from '@nestjs/common';
import { Principal } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { SystemContext, TenantContext } from '@conduit/database';
import {
  Clock,
  ConduitConfig,
  IdGenerator,
  InjectConfig,
  PasswordHasher,
  TenantId,
  isUuid,
  sha256Hex,
} from '@conduit/platform';
import { PLATFORM_TENANT_CODE, TenantHierarchy, UserAccounts } from '@conduit/tenants';
import { AuthException, LoginLockedException } from './auth.exception';
import { AuthSessionEntity, SessionMethod } from './entities/auth-session.entity';
import { LoginLimiter } from './login-limiter';
import { ActiveMembership, MembershipLookup, assertMayAct, mayAct } from './membership-lookup';
import { AuthSettings, TenantAuthSettingsRepository } from './repositories/tenant-auth-settings.repository';
import { SessionsRepository } from './repositories/sessions.repository';
import { SsoLinks } from './sso-links';
import { RequestMeta } from './request-meta';
import { TokenService } from './token.service';

/** How a session began: a password, or an SSO connection (SAML). */
export interface SessionOrigin {
  method: SessionMethod;
  connectionId?: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

@Injectable()
export class SessionService {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokenService,
    private readonly memberships: MembershipLookup,
    private readonly hierarchy: TenantHierarchy,
    private readonly accounts: UserAccounts,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLog,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly limiter: LoginLimiter,
    private readonly settings: TenantAuthSettingsRepository,
    private readonly ssoLinks: SsoLinks,
  ) {}

  /**
   * Password sign-in. Refused with 429 login_locked before the password is even checked while the email, the email at
   * this address, or this address is over its failure limit (LoginLimiter); an unknown email counts like a known one.
   * A member of a tenant that enforces SSO gets 403 sso_required with the tenant's SSO login links once the password is
   * right, unless they are a platform admin (break-glass, audited as auth.login.break_glass).
   */
  async login(input: { email: string; password: string; tenant?: string }, meta: RequestMeta): Promise<TokenPair> {
    const email = input.email.toLowerCase();
    const lock = await this.limiter.lockFor(email, meta.ip);
    if (lock) {
      // Audited where the failures are: the account's first tenant (the platform tenant for an unknown email).
      const known = await this.accounts.findByEmail(email);
      const home = known ? (await this.memberships.forUser(known.id))[0]?.tenant.id : undefined;
      await this.auditAuth('auth.login', 'denied', home, { type: 'anonymous', label: email }, meta, {
        reason: 'login_locked',
        limit: lock.scope,
      });
      throw new LoginLockedException(lock.retryAfterSeconds);
    }
    const user = await this.accounts.findByEmail(email);
    const valid = await this.hasher.verify(input.password, user?.password_hash ?? null);
    const memberships = user ? await this.memberships.forUser(user.id) : [];
    if (!user || !valid) {
      await this.limiter.recordFailure(email, meta.ip);
      await this.auditAuth(
        'auth.login',
        'failure',
        memberships[0]?.tenant.id,
        { type: 'anonymous', label: email },
        meta,
        {
          reason: user ? 'wrong_password' : 'unknown_email',
        },
      );
      throw new AuthException('invalid_credentials', 'Email or password is incorrect');
    }
    // The password was right: whatever follows (a refusal included), this person at this address is not guessing.
    await this.limiter.recordSuccess(email, meta.ip);
    const membership = this.pickMembership(memberships, input.tenant);
    const actor = { type: 'user' as const, id: user.id, label: email };
    try {
      assertMayAct(membership);
    } catch (err) {
      await this.auditAuth('auth.login', 'denied', membership.tenant.id, actor, meta, {
        reason: (err as AuthException).code,
      });
      throw err;
    }
    const settings = await this.settingsOf(membership.tenant.id);
    const breakGlass = settings.sso_enforced && memberships.some((m) => m.role === 'platform_admin' && mayAct(m));
    if (settings.sso_enforced && !breakGlass) {
      await this.auditAuth('auth.login', 'denied', membership.tenant.id, actor, meta, { reason: 'sso_required' });
      throw await this.ssoRequired(membership.tenant.id);
    }
    const pair = await this.db.runInTenantControlPlane(membership.tenant.id, async () => {
      const pair = await this.startSession(membership, meta, { method: 'password' });
      await this.accounts.recordLogin(membership.tenant.id, user.id, this.clock.now());
      return pair;
    });
    if (breakGlass) {
      await this.auditAuth('auth.login.break_glass', 'success', membership.tenant.id, actor, meta, {
        reason: 'sso_enforced',
      });
    }
    await this.auditAuth('auth.login', 'success', membership.tenant.id, actor, meta);
    return pair;
  }

  /** The tenant's session and SSO settings (defaults when it has none). */
  settingsOf(tenantId: TenantId): Promise<AuthSettings> {
    return this.db.runInTenantControlPlane(tenantId, () => this.settings.get(tenantId));
  }

  /** 403 sso_required, with the tenant's SSO sign-in links in the details (possibly none). */
  private async ssoRequired(tenantId: TenantId): Promise<AuthException> {
    const links = await this.ssoLinks.loginLinks(tenantId);
    return new AuthException(
      'sso_required',
      'This tenant signs in through single sign-on: use one of the login URLs in details',
      links.map((l) => ({
        message: `Sign in through ${l.name}`,
        connection_id: l.connection_id,
        name: l.name,
        login_url: l.login_url,
      })),
    );
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
    const { sessionId, tokenId } = this.tokens.parseRefreshToken(refreshToken);
    const session = await this.sessions.lookup(sessionId);
    if (!session || session.revoked_at || session.expires_at <= this.clock.now()) {
      throw new AuthException('refresh_token_invalid', 'Refresh token is no longer valid');
    }
    // Past its tenant's maximum lifetime or idle timeout (settings changed since count too).
    const { row, settings } = await this.db.runInTenantControlPlane(session.tenant_id, async () => ({
      row: await this.sessions.find(session.tenant_id, session.id),
      settings: await this.settings.get(session.tenant_id),
    }));
    if (!row || row.dead) {
      const now = this.clock.now().getTime();
      const idle =
        settings.session_idle_timeout_seconds !== null &&
        session.last_used_at.getTime() + settings.session_idle_timeout_seconds * 1000 <= now;
      await this.revokeSession(session.tenant_id, session.id, idle ? 'idle_timeout' : 'max_lifetime');
      if (idle) throw new AuthException('session_idle_expired', 'The session was idle for too long; sign in again');
      throw new AuthException('refresh_token_invalid', 'Refresh token is no longer valid');
    }
    // An older token of the family is a reuse whatever the user's status: a stolen token is a stolen token.
    if (session.current_token_id !== tokenId) await this.refuseReuse(session, meta);
    const membership = await this.memberships.inTenant(session.user_id, session.tenant_id);
    if (!membership) {
      await this.revokeSession(session.tenant_id, session.id, 'membership_removed');
      throw new AuthException('refresh_token_invalid', 'Refresh token is no longer valid');
    }
    // Checked before the token is consumed: a refusal (user disabled, tenant suspended) leaves it usable afterwards.
    try {
      assertMayAct(membership);
    } catch (err) {
      throw await this.deniedRefresh(session, membership, meta, err as AuthException);
    }
    // A tenant that enforces SSO ends password sessions at their next refresh (platform admins' break-glass excepted).
    if (settings.sso_enforced && session.method === 'password') {
      const all = await this.memberships.forUser(session.user_id);
      if (!all.some((m) => m.role === 'platform_admin' && mayAct(m))) {
        throw await this.deniedRefresh(session, membership, meta, await this.ssoRequired(session.tenant_id));
      }
    }
    const next = this.tokens.issueRefreshToken(session.id);
    // Compare-and-swap: of two concurrent refreshes with one token, exactly one wins.
    const rotated = await this.db.runInTenantControlPlane(session.tenant_id, () =>
      this.sessions.rotate(session.tenant_id, session.id, tokenId, {
        tokenId: next.tokenId,
        tokenHash: sha256Hex(next.token),
        at: this.clock.now(),
      }),
    );
    if (!rotated) await this.refuseReuse(session, meta);
    const access = this.tokens.issueAccessToken({
      userId: membership.userId,
      tenantId: membership.tenant.id,
      role: membership.role,
      sessionId: session.id,
    });
    return {
      access_token: access.token,
      refresh_token: next.token,
      token_type: 'Bearer',
      expires_in: this.tokens.accessTtlSeconds,
    };
  }

  /** Revokes the caller's session (its whole refresh family) and the access token presented. */
  async logout(principal: Principal, meta: RequestMeta): Promise<void> {
    // API keys and identity-provider tokens have no Conduit session to end; saying 204 would suggest otherwise.
    if (principal.kind !== 'user' || !principal.tokenId || !principal.tokenExpiresAt) {
      throw new AuthException(
        'logout_requires_session',
        principal.kind === 'api_key'
          ? 'Logout ends a session, and an API key has none: revoke the key with DELETE /api/v1/api-keys/{id}'
          : 'Logout ends a session issued by Conduit; end an identity-provider session at the identity provider',
      );
    }
    const jti = principal.tokenId;
    const expiresAt = principal.tokenExpiresAt;
    await this.db.runInTenantControlPlane(principal.homeTenantId, () =>
      this.sessions.revokeAccessToken({
        jti,
        tenantId: principal.homeTenantId,
        expiresAt,
        at: this.clock.now(),
      }),
    );
    if (principal.sessionId) await this.revokeSession(principal.homeTenantId, principal.sessionId, 'logout');
    await this.auditAuth(
      'auth.logout',
      'success',
      principal.homeTenantId,
      { type: principal.kind, id: principal.id, label: principal.label },
      meta,
    );
  }

  /** Is this access token still honoured? (session not revoked or expired, jti not revoked) */
  async isAccessTokenRevoked(tenantId: TenantId, jti: string, sessionId: string | undefined): Promise<boolean> {
    if (!isUuid(jti) || (sessionId !== undefined && !isUuid(sessionId))) return true;
    return this.db.runInTenantControlPlane(tenantId, async () => {
      const row = await this.sessions.revocation(jti, sessionId ?? null);
      return Boolean(row.jti_revoked) || (sessionId !== undefined && row.session_dead !== false);
    });
  }

  /**
   * Starts a session for a member who proved who they are some other way (SAML: the SSO lib, after its checks and
   * assertMayAct). Inside the member's tenant transaction; the caller audits the sign-in.
   */
  issueSession(m: ActiveMembership, meta: RequestMeta, origin: SessionOrigin): Promise<TokenPair> {
    return this.startSession(m, meta, origin);
  }

  /**
   * Revokes every live session of the user in the tenant, or only those begun through one SSO connection (IdP logout);
   * the number revoked. Runs in its own tenant transaction, or the caller's.
   */
  async revokeUserSessions(
    tenantId: TenantId,
    userId: string,
    reason: string,
    filter: { connectionId?: string } = {},
  ): Promise<number> {
    return this.db.runInTenantControlPlane(tenantId, () =>
      this.sessions.revokeForUser(tenantId, userId, reason, this.clock.now(), filter.connectionId),
    );
  }

  /**
   * Inside the member's tenant transaction. The session ends at the earlier of JWT_REFRESH_TTL_SECONDS and the tenant's
   * maximum lifetime; beyond the tenant's max_concurrent_sessions, the user's oldest live sessions there are revoked
   * (reason max_concurrent_sessions). Every way in (password, SAML through issueSession) comes through here.
   */
  private async startSession(m: ActiveMembership, meta: RequestMeta, origin: SessionOrigin): Promise<TokenPair> {
    const sessionId = this.ids.next();
    const refresh = this.tokens.issueRefreshToken(sessionId);
    const now = this.clock.now();
    const settings = await this.settings.get(m.tenant.id);
    const lifetime = Math.min(
      this.config.JWT_REFRESH_TTL_SECONDS,
      settings.session_max_lifetime_seconds ?? Number.POSITIVE_INFINITY,
    );
    await this.sessions.insert({
      id: sessionId,
      tenant_id: m.tenant.id,
      user_id: m.userId,
      current_token_id: refresh.tokenId,
      current_token_hash: sha256Hex(refresh.token),
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 512) ?? null,
      created_at: now,
      last_used_at: now,
      expires_at: new Date(now.getTime() + lifetime * 1000),
      revoked_at: null,
      revoked_reason: null,
      method: origin.method,
      connection_id: origin.connectionId ?? null,
    });
    if (settings.max_concurrent_sessions !== null) {
      await this.sessions.revokeBeyond(
        m.tenant.id,
        m.userId,
        settings.max_concurrent_sessions,
        'max_concurrent_sessions',
        now,
      );
    }
    const access = this.tokens.issueAccessToken({ userId: m.userId, tenantId: m.tenant.id, role: m.role, sessionId });
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: 'Bearer',
      expires_in: this.tokens.accessTtlSeconds,
    };
  }

  /** Audits a refused refresh (the session's user, the refusal's code) and gives the refusal back to throw. */
  private async deniedRefresh(
    session: AuthSessionEntity,
    membership: ActiveMembership,
    meta: RequestMeta,
    refusal: AuthException,
  ): Promise<AuthException> {
    await this.auditAuth(
      'auth.refresh',
      'denied',
      session.tenant_id,
      { type: 'user', id: session.user_id, label: membership.email },
      meta,
      { reason: refusal.code, session_id: session.id },
    );
    return refusal;
  }

  private async refuseReuse(session: AuthSessionEntity, meta: RequestMeta): Promise<never> {
    await this.revokeSession(session.tenant_id, session.id, 'refresh_token_reused');
    await this.auditAuth('auth.refresh', 'denied', session.tenant_id, { type: 'user', id: session.user_id }, meta, {
      reason: 'refresh_token_reused',
      session_id: session.id,
    });
    throw new AuthException('refresh_token_reused', 'Refresh token was already used; the session has been revoked');
  }

  private async revokeSession(tenantId: TenantId, sessionId: string, reason: string): Promise<void> {
    await this.db.runInTenantControlPlane(tenantId, () =>
      this.sessions.revoke(tenantId, sessionId, reason, this.clock.now()),
    );
  }

  private pickMembership(memberships: ActiveMembership[], tenant?: string): ActiveMembership {
    const wanted = tenant?.toLowerCase();
    // No tenant named: the first membership that may act (an active one in an active tenant), else the first (refused).
    const chosen = wanted
      ? memberships.find((m) => m.tenant.id === wanted || m.tenant.code === wanted)
      : (memberships.find((m) => mayAct(m)) ?? memberships[0]);
    if (!chosen)
      throw new AuthException(
        'no_membership',
        wanted ? 'You are not a member of that tenant' : 'You are not a member of any tenant',
      );
    return chosen;
  }

  /** Auth events go to the user's tenant, or the platform tenant when the caller is unknown. */
  private async auditAuth(
    action: string,
    outcome: 'success' | 'failure' | 'denied',
    tenantId: TenantId | undefined,
    actor: { type: 'user' | 'api_key' | 'anonymous'; id?: string; label?: string },
    meta: RequestMeta,
    metadata?: Record<string, unknown>,
  ): Promise<void> {
    const target =
      tenantId ??
      (
        await this.system.run('auth.audit_in_platform_tenant', () => this.hierarchy.find(PLATFORM_TENANT_CODE), {
          routine: true,
        })
      )?.id;
    if (!target) return;
    await this.audit.record({
      tenantId: target,
      action,
      outcome,
      actor,
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
      metadata,
    });
  }
}
