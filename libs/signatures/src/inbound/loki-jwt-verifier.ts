// The seed's private model: a bearer JWT bound to this source and tenant, then the public model's HMAC.
import { constantTimeEqual } from '@conduit/platform/crypto';
import { PrivateWebhookTokenClaims, verifyPrivateWebhookToken } from '../private-webhook-token';
import { verifyLokiHmac } from './loki-hmac-verifier';
import { authorizationCredential } from './request-headers';
import { accepted, refused } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

// verifyPrivateWebhookToken refuses HS256 keys shorter than the hash (RFC 7518 §3.2) by throwing;
// such a secret simply cannot have signed a token, so it is skipped instead.
const MIN_KEY_BYTES = 32;

/**
 * Key: the UTF-8 bytes of the source secret (the same string that keys the HMAC), so a source has one
 * secret to store and rotate. Issuer: `conduit`, verifyPrivateWebhookToken's default, since the token
 * is minted by Conduit when the source is generated and handed to the sender, as in the seed.
 * When token and HMAC match different secrets during a rotation, the older one is reported, so callers
 * can tell the previous secret is still in use.
 */
export function verifyLokiJwt(input: VerificationInput): VerificationResult {
  const token = authorizationCredential(input.headers, 'Bearer');
  if (!token) return refused('token_missing', 'Authorization: Bearer token is missing');

  let claims: PrivateWebhookTokenClaims | null = null;
  let tokenIndex = -1;
  // Every secret is tried even after a match, as matchingSecretIndex does; the claims are kept here too.
  for (const [index, secret] of input.secrets.entries()) {
    const signingKey = Buffer.from(secret, 'utf8');
    if (signingKey.length < MIN_KEY_BYTES) continue;
    const verified = verifyPrivateWebhookToken(token, { signingKey, now: input.now });
    if (verified && tokenIndex === -1) {
      claims = verified;
      tokenIndex = index;
    }
  }
  if (claims === null) return refused('token_invalid', 'bearer token is forged, expired or not yet valid');
  if (!constantTimeEqual(claims.webhook_id, input.sourceId)) {
    return refused('token_invalid', 'bearer token was issued for another webhook');
  }
  if (!constantTimeEqual(claims.tenant_id, input.tenantId)) {
    return refused('token_invalid', 'bearer token was issued for another tenant');
  }

  const signature = verifyLokiHmac(input);
  return signature.ok ? accepted(Math.max(tokenIndex, signature.secretIndex)) : signature;
}
