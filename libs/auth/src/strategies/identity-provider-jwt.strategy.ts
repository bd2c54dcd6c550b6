// Tokens from a company identity provider (RS256/ES256/PS256), verified by passport-jwt against the provider's JWKS
// (jwks-rsa's passportJwtSecret: keys by kid, cached, rate-limited); their email and tenant claims must name a member.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { Strategy } from 'passport-jwt';
import { SystemContext } from '@conduit/database';
import { ConduitConfig, InjectConfig, textProblem } from '@conduit/platform';
import { TenantHierarchy, UserAccounts } from '@conduit/tenants';
import { AuthException } from '../auth.exception';
import { MembershipLookup, memberIdentity } from '../membership-lookup';
import { REGISTERED_ON_OWN_PASSPORT } from './app-passport';
import { HomeIdentity, StrategyRequest, presentedValue } from './presented-credential';

export const IDENTITY_PROVIDER_JWT_STRATEGY = 'idp-jwt';

type Settings = Pick<
  ConduitConfig,
  'JWT_JWKS_URL' | 'JWT_JWKS_ISSUER' | 'JWT_JWKS_AUDIENCE' | 'JWT_JWKS_EMAIL_CLAIM' | 'JWT_JWKS_TENANT_CLAIM'
>;

/** The provider's keys; without a configured JWKS every such token fails as not accepted (401 token_invalid). */
function signingKeys(config: Settings) {
  if (!config.JWT_JWKS_URL) {
    return (_req: unknown, _token: unknown, done: (err: Error) => void) =>
      done(new AuthException('token_invalid', 'Tokens from an identity provider are not accepted here'));
  }
  return passportJwtSecret({
    jwksUri: config.JWT_JWKS_URL,
    cache: true,
    cacheMaxAge: 10 * 60 * 1000,
    rateLimit: true,
    timeout: 5000,
  });
}

/** The email and tenant (id or code) a verified token names, or 401 token_invalid. */
export function identityProviderClaims(payload: unknown, config: Settings): { email: string; tenant: string } {
  if (typeof payload !== 'object' || payload === null)
    throw new AuthException('token_invalid', 'Token payload is not a JSON object');
  const email = (payload as Record<string, unknown>)[config.JWT_JWKS_EMAIL_CLAIM];
  const tenant = (payload as Record<string, unknown>)[config.JWT_JWKS_TENANT_CLAIM];
  if (typeof email !== 'string' || typeof tenant !== 'string') {
    throw new AuthException(
      'token_invalid',
      `Identity-provider token must carry the ${config.JWT_JWKS_EMAIL_CLAIM} and ${config.JWT_JWKS_TENANT_CLAIM} claims`,
    );
  }
  // Signed does not mean storable: NUL or a lone surrogate would reach PostgreSQL in the lookups (a 500).
  if (textProblem(email) || textProblem(tenant)) {
    throw new AuthException(
      'token_invalid',
      'Identity-provider token claims contain characters that are not valid text',
    );
  }
  return { email, tenant };
}

@Injectable()
export class IdentityProviderJwtStrategy extends PassportStrategy(Strategy, IDENTITY_PROVIDER_JWT_STRATEGY) {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly system: SystemContext,
    private readonly hierarchy: TenantHierarchy,
    private readonly accounts: UserAccounts,
    private readonly memberships: MembershipLookup,
  ) {
    super({
      secretOrKeyProvider: signingKeys(config),
      algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'],
      issuer: config.JWT_JWKS_ISSUER,
      audience: config.JWT_JWKS_AUDIENCE,
      jwtFromRequest: (req: StrategyRequest) => presentedValue(req),
    });
  }

  async validate(payload: unknown): Promise<HomeIdentity> {
    const claims = identityProviderClaims(payload, this.config);
    const resolved = await this.system.run(
      'auth.identity_provider_token',
      async () => {
        const tenant = await this.hierarchy.find(claims.tenant);
        const user = await this.accounts.findByEmail(claims.email);
        return tenant && user ? { tenant, user } : null;
      },
      { routine: true },
    );
    const membership = resolved ? await this.memberships.inTenant(resolved.user.id, resolved.tenant.id) : null;
    if (!membership)
      throw new AuthException('no_membership', 'The identity in this token is not a member of that tenant');
    return memberIdentity(membership);
  }

  getPassportInstance() {
    return REGISTERED_ON_OWN_PASSPORT;
  }
}
