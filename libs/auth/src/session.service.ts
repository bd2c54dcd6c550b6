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
import { AuthException } from './auth.exception';
import { AuthSessionEntity, SessionMethod } from './entities/auth-session.entity';
import { ActiveMembership, MembershipLookup, assertMayAct } from './membership-lookup';
import { SessionsRepository } from './repositories/sessions.repository';
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
  ) {}

  async login(input: { email: string; password: string; tenant?: string }, meta: RequestMeta): Promise<TokenPair> {
    const email = input.email.toLowerCase();
    const user = await this.accounts.findByEmail(email);
    const valid = await this.hasher.verify(input.password, user?.password_hash ?? null);
    const memberships = user ? await this.memberships.forUser(user.id) : [];
    if (!user || !valid) {
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
    const membership = this.pickMembership(memberships, input.tenant);
    try {
      assertMayAct(membership);
    } catch (err) {
      await this.auditAuth(
        'auth.login',
        'denied',
        membership.tenant.id,
        { type: 'user', id: user.id, label: email },
        meta,
        {
          reason: (err as AuthException).code,
        },
      );
      throw err;
    }
    const pair = await this.db.runInTenant(membership.tenant.id, async () => {
      const pair = await this.startSession(membership, meta, { method: 'password' });
      await this.accounts.recordLogin(membership.tenant.id, user.id, this.clock.now());
      return pair;
    });
    await this.auditAuth(
      'auth.login',
      'success',
      membership.tenant.id,
      { type: 'user', id: user.id, label: email },
      meta,
    );
    return pair;
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
    const { sessionId, tokenId } = this.tokens.parseRefreshToken(refreshToken);
    const session = await this.sessions.lookup(sessionId);
    if (!session || session.revoked_at || session.expires_at <= this.clock.now()) {
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
      await this.auditAuth(
        'auth.refresh',
        'denied',
        session.tenant_id,
        { type: 'user', id: session.user_id, label: membership.email },
        meta,
        {
          reason: (err as AuthException).code,
          session_id: session.id,
        },
      );
      throw err;
    }
    const next = this.tokens.issueRefreshToken(session.id);
    // Compare-and-swap: of two concurrent refreshes with one token, exactly one wins.
    const rotated = await this.db.runInTenant(session.tenant_id, () =>
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
    await this.db.runInTenant(principal.homeTenantId, () =>
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
    return this.db.runInTenant(tenantId, async () => {
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
    return this.db.runInTenant(tenantId, () =>
      this.sessions.revokeForUser(tenantId, userId, reason, this.clock.now(), filter.connectionId),
    );
  }

  private async startSession(m: ActiveMembership, meta: RequestMeta, origin: SessionOrigin): Promise<TokenPair> {
    const sessionId = this.ids.next();
    const refresh = this.tokens.issueRefreshToken(sessionId);
    const now = this.clock.now();
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
      expires_at: new Date(now.getTime() + this.config.JWT_REFRESH_TTL_SECONDS * 1000),
      revoked_at: null,
      revoked_reason: null,
      method: origin.method,
      connection_id: origin.connectionId ?? null,
    });
    const access = this.tokens.issueAccessToken({ userId: m.userId, tenantId: m.tenant.id, role: m.role, sessionId });
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: 'Bearer',
      expires_in: this.tokens.accessTtlSeconds,
    };
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
    await this.db.runInTenant(tenantId, () => this.sessions.revoke(tenantId, sessionId, reason, this.clock.now()));
  }

  private pickMembership(memberships: ActiveMembership[], tenant?: string): ActiveMembership {
    const wanted = tenant?.toLowerCase();
    const chosen = wanted
      ? memberships.find((m) => m.tenant.id === wanted || m.tenant.code === wanted)
      : memberships[0];
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
