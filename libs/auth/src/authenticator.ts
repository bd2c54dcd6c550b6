// Turns the credentials on a request into an identity: a passport strategy per way in proves who is calling, then the
// tenant they act in is resolved (X-Tenant-Id).
import { Injectable } from '@nestjs/common';
import passport from 'passport';
import { Principal, RequestIdentity, TenantRef } from '@conduit/access';
import { SystemContext } from '@conduit/database';
import { TenantEntity, TenantHierarchy } from '@conduit/tenants';
import { AuthException } from './auth.exception';
import type { RequestMeta } from './request-meta';
import { API_KEY_STRATEGY, ApiKeyStrategy } from './strategies/api-key.strategy';
import { CONDUIT_JWT_STRATEGY, ConduitJwtStrategy } from './strategies/conduit-jwt.strategy';
import {
  IDENTITY_PROVIDER_JWT_STRATEGY,
  IdentityProviderJwtStrategy,
} from './strategies/identity-provider-jwt.strategy';
import {
  HomeIdentity,
  PresentedCredential,
  StrategyRequest,
  presentedCredential,
} from './strategies/presented-credential';
import { strategyOutcome, unauthenticated } from './strategies/refusal';

export interface PresentedCredentials {
  authorization?: string;
  apiKey?: string;
  /** X-Tenant-Id: id or code of a tenant below the caller's */
  actingTenant?: string;
}

/**
 * The strategy that verifies each kind of credential; null: there is nothing to verify (401 unauthenticated).
 *
 * SAML is a way in too, but not a row here, as no API request presents it: `@node-saml/passport-saml`'s
 * MultiSamlStrategy (the connection per request) runs on a Passport of its own app in @conduit/sso (SamlAuthenticator),
 * whose login and ACS routes end with a one-time code exchanged by POST for Conduit tokens, which then arrive here as
 * conduit_token.
 */
const STRATEGY_FOR: Record<PresentedCredential['kind'], string | null> = {
  api_key: API_KEY_STRATEGY,
  conduit_token: CONDUIT_JWT_STRATEGY,
  identity_provider_token: IDENTITY_PROVIDER_JWT_STRATEGY,
  malformed_authorization: null,
  none: null,
};

function toRef(t: TenantEntity): TenantRef {
  return { id: t.id, code: t.code, name: t.name, status: t.status, parent_id: t.parent_id };
}

@Injectable()
export class Authenticator {
  /** This app's own Passport: strategies/app-passport.ts says why not the process-wide one. */
  private readonly passport = new passport.Passport();

  constructor(
    apiKey: ApiKeyStrategy,
    conduitJwt: ConduitJwtStrategy,
    identityProviderJwt: IdentityProviderJwtStrategy,
    private readonly system: SystemContext,
    private readonly hierarchy: TenantHierarchy,
  ) {
    this.passport.use(API_KEY_STRATEGY, apiKey);
    this.passport.use(CONDUIT_JWT_STRATEGY, conduitJwt);
    this.passport.use(IDENTITY_PROVIDER_JWT_STRATEGY, identityProviderJwt);
  }

  async authenticate(credentials: PresentedCredentials, meta: RequestMeta): Promise<RequestIdentity> {
    const home = await this.verify({ credential: presentedCredential(credentials), meta });
    const tenant = await this.resolveActingTenant(home.principal, home.tenant, credentials.actingTenant);
    return { principal: home.principal, tenant };
  }

  /** Runs the credential's strategy (sessionless: no req.logIn, nothing written to a response). */
  private verify(req: StrategyRequest): Promise<HomeIdentity> {
    const strategy = STRATEGY_FOR[req.credential.kind];
    if (!strategy) return Promise.reject(unauthenticated(req.credential));
    return new Promise<HomeIdentity>((resolve, reject) => {
      const authenticate = this.passport.authenticate(
        strategy,
        { session: false },
        (error: unknown, identity: HomeIdentity | false, reason: unknown) => {
          try {
            resolve(strategyOutcome(error, identity, reason));
          } catch (refusal) {
            reject(refusal as Error);
          }
        },
      ) as (req: StrategyRequest, res: undefined, next: (err?: unknown) => void) => void;
      // With a callback, passport calls next only if a strategy "passes" (none of these does).
      authenticate(req, undefined, (err) => reject(err instanceof Error ? err : new Error(`${strategy} passed`)));
    });
  }

  /** Only platform admins (anywhere) and MSSP admins (their subtree) may act elsewhere; others get 404. */
  private async resolveActingTenant(principal: Principal, home: TenantRef, requested?: string): Promise<TenantRef> {
    const ref = requested?.trim().toLowerCase();
    if (!ref || ref === home.id || ref === home.code) return home;
    const notFound = new AuthException('tenant_not_found', 'Tenant not found');
    if (principal.role !== 'platform_admin' && principal.role !== 'mssp_admin') throw notFound;
    return this.system.run(
      'auth.acting_tenant',
      async () => {
        const target = await this.hierarchy.find(ref);
        if (!target) throw notFound;
        if (principal.role === 'mssp_admin' && !(await this.hierarchy.lineage(target.id)).includes(home.id))
          throw notFound;
        return toRef(target);
      },
      { routine: true },
    );
  }
}
