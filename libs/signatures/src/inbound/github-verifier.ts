// GitHub: `X-Hub-Signature-256: sha256=<hex>` of the raw body; GitHub signs no timestamp.
import { hexDigestMatches, hmacSha256, hmacSha256Hex } from '@conduit/platform/crypto';
import { headerValue } from './request-headers';
import { accepted, matchingSecretIndex, refused } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

const PREFIX = 'sha256=';

export function verifyGithub(input: VerificationInput): VerificationResult {
  const header = headerValue(input.headers, 'x-hub-signature-256');
  if (!header) {
    // The legacy SHA-1 `X-Hub-Signature` is deliberately not accepted in its place.
    return refused('signature_missing', 'X-Hub-Signature-256 header is missing');
  }
  if (!header.startsWith(PREFIX)) return refused('signature_invalid', 'X-Hub-Signature-256 must start with sha256=');
  const presented = header.slice(PREFIX.length);
  const index = matchingSecretIndex(input.secrets, (secret) =>
    hexDigestMatches(hmacSha256(secret, input.rawBody), presented),
  );
  return index < 0 ? refused('signature_invalid', 'X-Hub-Signature-256 does not match the payload') : accepted(index);
}

/** The `X-Hub-Signature-256` value GitHub sends for `body` (for tests, tools and replays). */
export function signGithub(body: string | Buffer, secret: string): string {
  return `${PREFIX}${hmacSha256Hex(secret, body)}`;
}
