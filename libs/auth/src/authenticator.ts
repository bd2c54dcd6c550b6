// Turns the credentials on a request into an identity: who is calling and which tenant they act in.
import { Injectable } from '@nestjs/common';
import { Principal, RequestIdentity, TenantRef } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { TenantEntity, TenantHierarchy, UserAccounts } from '@conduit/tenants';
import { ApiKeysService, looksLikeApiKey } from './api-keys.service';
import { AuthException } from './auth.exception';
import { ActiveMembership, MembershipLookup, assertMayAct } from './membership-lookup';
import { RequestMeta } from './request-meta';
import { SessionService } from './session.service';
import { TokenService } from './token.service';

export interface PresentedCredentials {
  authorization?: string;
  apiKey?: string;
  /** X-Tenant-Id: id or code of a tenant below the caller's */
  actingTenant?: string;
}

/** A member acting in their home tenant, once the membership may act: every user token, ours or an IdP's, ends here. */
function userIdentity(
  membership: ActiveMembership,
  token: Pick<Principal, 'tokenId' | 'sessionId' | 'tokenExpiresAt'> = {},
): { principal: Principal; tenant: TenantRef } {
  assertMayAct(membership);
  const principal: Principal = {
    kind: 'user',
    id: membership.userId,
    label: membership.email,
    userId: membership.userId,
    homeTenantId: membership.tenant.id,
    role: membership.role,
    scopes: null,
    ...token,
  };
  return { principal, tenant: membership.tenant };
}

function toRef(t: TenantEntity): TenantRef {
  return { id: t.id, code: t.code, name: t.name, status: t.status, parent_id: t.parent_id };
}

@Injectable()
export class Authenticator {
  constructor(
    private readonly db: TenantContext,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly memberships: MembershipLookup,
    private readonly apiKeys: ApiKeysService,
    private readonly hierarchy: TenantHierarchy,
    private readonly accounts: UserAccounts,
  ) {}

  async authenticate(credentials: PresentedCredentials, meta: RequestMeta): Promise<RequestIdentity> {
    const bearer = credentials.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    const apiKey = credentials.apiKey ?? (bearer && looksLikeApiKey(bearer) ? bearer : undefined);
    let home: { principal: Principal; tenant: TenantRef };
    if (apiKey) home = await this.apiKeys.authenticate(apiKey, meta);
    else if (bearer)
      home = this.tokens.isExternal(bearer) ? await this.fromExternalToken(bearer) : await this.fromAccessToken(bearer);
    else if (credentials.authorization)
      throw new AuthException('unauthenticated', 'Authorization header must be "Bearer <token>"');
    else throw new AuthException('unauthenticated', 'Authentication required: send a bearer token or an API key');
    const tenant = await this.resolveActingTenant(home.principal, home.tenant, credentials.actingTenant);
    return { principal: home.principal, tenant };
  }

  private async fromAccessToken(token: string): Promise<{ principal: Principal; tenant: TenantRef }> {
    const claims = this.tokens.verifyLocal(token);
    if (await this.sessions.isAccessTokenRevoked(claims.tid, claims.jti, claims.sid)) {
      throw new AuthException('token_revoked', 'Access token has been revoked');
    }
    const membership = await this.memberships.inTenant(claims.sub, claims.tid);
    if (!membership) throw new AuthException('token_revoked', 'Access token no longer grants access to this tenant');
    return userIdentity(membership, {
      tokenId: claims.jti,
      sessionId: claims.sid,
      tokenExpiresAt: new Date(claims.exp * 1000),
    });
  }

  /** A company IdP's token: its email and tenant claims must match a Conduit user and membership. */
  private async fromExternalToken(token: string): Promise<{ principal: Principal; tenant: TenantRef }> {
    const claims = await this.tokens.verifyExternal(token);
    const resolved = await this.db.transaction(async () => {
      const tenant = await this.hierarchy.find(claims.tenant);
      const user = await this.accounts.findByEmail(claims.email);
      return tenant && user ? { tenant, user } : null;
    });
    const membership = resolved ? await this.memberships.inTenant(resolved.user.id, resolved.tenant.id) : null;
    if (!membership)
      throw new AuthException('no_membership', 'The identity in this token is not a member of that tenant');
    return userIdentity(membership);
  }

  /** Only platform admins (anywhere) and MSSP admins (their subtree) may act elsewhere; others get 404. */
  private async resolveActingTenant(principal: Principal, home: TenantRef, requested?: string): Promise<TenantRef> {
    const ref = requested?.trim().toLowerCase();
    if (!ref || ref === home.id || ref === home.code) return home;
    const notFound = new AuthException('tenant_not_found', 'Tenant not found');
    if (principal.role !== 'platform_admin' && principal.role !== 'mssp_admin') throw notFound;
    return this.db.transaction(async () => {
      const target = await this.hierarchy.find(ref);
      if (!target) throw notFound;
      if (principal.role === 'mssp_admin' && !(await this.hierarchy.lineage(target.id)).includes(home.id))
        throw notFound;
      return toRef(target);
    });
  }
}
