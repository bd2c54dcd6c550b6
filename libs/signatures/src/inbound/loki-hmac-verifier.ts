// The seed's public model: verifyLoki's checks, preceded by header checks that name what is wrong.
import { parseLokiTimestamp, verifyLoki } from '../loki-signature';
import { headerValue } from './request-headers';
import { accepted, matchingSecretIndex, refused, toleranceSeconds, withinTolerance } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

export function verifyLokiHmac(input: VerificationInput): VerificationResult {
  const signature = headerValue(input.headers, 'x-loki-signature');
  if (!signature) return refused('signature_missing', 'X-Loki-Signature header is missing');
  const timestamp = headerValue(input.headers, 'x-loki-timestamp');
  if (!timestamp) return refused('timestamp_missing', 'X-Loki-Timestamp header is missing');
  const sentAt = parseLokiTimestamp(timestamp);
  if (sentAt === undefined) return refused('timestamp_missing', 'X-Loki-Timestamp must be RFC 3339 or Unix seconds');
  if (!withinTolerance(sentAt, input)) {
    return refused('timestamp_out_of_tolerance', 'X-Loki-Timestamp is outside the tolerance window');
  }

  // The timestamp already passed the same checks, so a false from verifyLoki means the signature did not match.
  const index = matchingSecretIndex(input.secrets, (secret) =>
    verifyLoki(input.rawBody, signature, timestamp, secret, input.now, toleranceSeconds(input)),
  );
  return index < 0 ? refused('signature_invalid', 'X-Loki-Signature does not match the payload') : accepted(index);
}
