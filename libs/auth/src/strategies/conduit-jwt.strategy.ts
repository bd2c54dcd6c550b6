// Access tokens Conduit issues (HS256): passport-jwt checks signature, issuer, audience and expiry; then whether the
// token is revoked and its user may still act in its tenant (one round trip: AccessTokenCheck).
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { isUuid } from '@conduit/platform';
import { AuthException } from '../auth.exception';
import { memberIdentity } from '../membership-lookup';
import { AccessTokenCheck } from '../repositories/access-token-check';
import { TokenService, accessClaims } from '../token.service';
import { REGISTERED_ON_OWN_PASSPORT } from './app-passport';
import { HomeIdentity, StrategyRequest, presentedValue } from './presented-credential';

export const CONDUIT_JWT_STRATEGY = 'conduit-jwt';

@Injectable()
export class ConduitJwtStrategy extends PassportStrategy(Strategy, CONDUIT_JWT_STRATEGY) {
  constructor(
    tokens: TokenService,
    private readonly check: AccessTokenCheck,
  ) {
    super({ ...tokens.accessTokenVerification(), jwtFromRequest: (req: StrategyRequest) => presentedValue(req) });
  }

  async validate(payload: unknown): Promise<HomeIdentity> {
    const claims = accessClaims(payload);
    const { jti, sid, sub, tid } = claims;
    const wellFormed = isUuid(jti) && (sid === undefined || isUuid(sid)) && isUuid(sub) && isUuid(tid);
    const standing = wellFormed ? await this.check.standing(tid, { jti, sessionId: sid, userId: sub }) : null;
    if (!standing || standing.revoked) throw new AuthException('token_revoked', 'Access token has been revoked');
    const membership = standing.membership;
    if (!membership) throw new AuthException('token_revoked', 'Access token no longer grants access to this tenant');
    return memberIdentity(membership, {
      tokenId: claims.jti,
      sessionId: claims.sid,
      tokenExpiresAt: new Date(claims.exp * 1000),
    });
  }

  getPassportInstance() {
    return REGISTERED_ON_OWN_PASSPORT;
  }
}
