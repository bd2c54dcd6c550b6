// How a strategy's outcome becomes an identity or a refusal with one of the stable codes the API promises.
//
// passport-jwt fails a token whose verification fails with jsonwebtoken's or jwks-rsa's error: mapped here to
// token_expired or token_invalid. Everything Conduit decides after the signature (revoked, disabled, suspended, no
// membership, every API-key refusal) is thrown by the strategy's validate() as an AuthException, which passport hands
// on as an error: it keeps its own code.
import { ConduitException } from '@conduit/platform';
import { AuthException } from '../auth.exception';
import type { HomeIdentity, PresentedCredential } from './presented-credential';

/** A failed strategy's reason as the refusal the API answers with. */
export function refusalFor(reason: unknown): ConduitException {
  if (reason instanceof ConduitException) return reason;
  // jsonwebtoken's TokenExpiredError; every other verification failure (signature, issuer, audience, algorithm, not
  // yet valid, no such key in the JWKS, the JWKS unreachable) is just "not valid".
  if (reason instanceof Error && reason.name === 'TokenExpiredError')
    return new AuthException('token_expired', 'Access token has expired');
  return new AuthException('token_invalid', 'Access token is not valid');
}

/** passport.authenticate's callback, as a value: the identity, else the error a strategy raised, else its refusal. */
export function strategyOutcome(error: unknown, identity: HomeIdentity | false | null | undefined, reason: unknown) {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  if (identity) return identity;
  throw refusalFor(reason);
}

/** The refusal of a request that presents nothing a strategy could verify. */
export function unauthenticated(credential: PresentedCredential): AuthException {
  return credential.kind === 'malformed_authorization'
    ? new AuthException('unauthenticated', 'Authorization header must be "Bearer <token>"')
    : new AuthException('unauthenticated', 'Authentication required: send a bearer token or an API key');
}
