// Basic auth sources: each secret is stored as `user:password` and compared whole against the decoded credential.
import { constantTimeEqual } from '@conduit/platform/crypto';
import { authorizationCredential } from './request-headers';
import { accepted, matchingSecretIndex, refused } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function verifyBasicAuth(input: VerificationInput): VerificationResult {
  const credential = authorizationCredential(input.headers, 'Basic');
  if (!credential) return refused('credentials_missing', 'Authorization: Basic header is missing');
  if (!BASE64.test(credential)) return refused('credentials_invalid', 'Authorization: Basic credential is not base64');
  const decoded = Buffer.from(credential, 'base64');
  if (!decoded.includes(':'))
    return refused('credentials_invalid', 'Authorization: Basic credential is not user:password');
  // Compared as bytes: the whole user:password pair, so neither part's validity leaks on its own.
  const index = matchingSecretIndex(input.secrets, (secret) => constantTimeEqual(decoded, Buffer.from(secret, 'utf8')));
  return index < 0
    ? refused('credentials_invalid', 'user name or password is not valid for this source')
    : accepted(index);
}
