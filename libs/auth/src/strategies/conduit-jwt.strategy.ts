// Access tokens Conduit issues (HS256): passport-jwt checks signature, issuer, audience and expiry; then whether the
// token is revoked and its user may still act in its tenant.
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { AuthException } from '../auth.exception';
import { MembershipLookup, memberIdentity } from '../membership-lookup';
import { SessionService } from '../session.service';
import { TokenService, accessClaims } from '../token.service';
import { REGISTERED_BY_AUTHENTICATOR } from './app-passport';
import { HomeIdentity, StrategyRequest, presentedValue } from './presented-credential';

export const CONDUIT_JWT_STRATEGY = 'conduit-jwt';

@Injectable()
export class ConduitJwtStrategy extends PassportStrategy(Strategy, CONDUIT_JWT_STRATEGY) {
  constructor(
    tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly memberships: MembershipLookup,
  ) {
    super({ ...tokens.accessTokenVerification(), jwtFromRequest: (req: StrategyRequest) => presentedValue(req) });
  }

  async validate(payload: unknown): Promise<HomeIdentity> {
    const claims = accessClaims(payload);
    if (await this.sessions.isAccessTokenRevoked(claims.tid, claims.jti, claims.sid)) {
      throw new AuthException('token_revoked', 'Access token has been revoked');
    }
    const membership = await this.memberships.inTenant(claims.sub, claims.tid);
    if (!membership) throw new AuthException('token_revoked', 'Access token no longer grants access to this tenant');
    return memberIdentity(membership, {
      tokenId: claims.jti,
      sessionId: claims.sid,
      tokenExpiresAt: new Date(claims.exp * 1000),
    });
  }

  getPassportInstance() {
    return REGISTERED_BY_AUTHENTICATOR;
  }
}
