// API key sources: `X-API-Key: <key>` or `Authorization: Bearer <key>` equal to one of the secrets.
import { constantTimeEqual } from '@conduit/platform/crypto';
import { authorizationCredential, headerValue } from './request-headers';
import { accepted, matchingSecretIndex, refused } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

export function verifyApiKey(input: VerificationInput): VerificationResult {
  const presented = headerValue(input.headers, 'x-api-key') ?? authorizationCredential(input.headers, 'Bearer');
  if (!presented) return refused('credentials_missing', 'X-API-Key or Authorization: Bearer header is missing');
  const index = matchingSecretIndex(input.secrets, (secret) => constantTimeEqual(presented, secret));
  return index < 0 ? refused('credentials_invalid', 'API key is not valid for this source') : accepted(index);
}
