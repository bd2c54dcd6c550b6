// The seed's public model: verifyLoki's checks, preceded by header checks that name what is wrong.
import { verifyLoki } from '../loki-signature';
import { headerValue } from './request-headers';
import { accepted, matchingSecretIndex, refused, toleranceSeconds, withinTolerance } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

// Same forms verifyLoki accepts (it does not export its parser): Unix seconds or RFC 3339.
const UNIX_SECONDS = /^\d{1,12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

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

/** Milliseconds since the epoch, or undefined when the value is in neither accepted form. */
export function parseLokiTimestamp(value: string): number | undefined {
  if (UNIX_SECONDS.test(value)) return Number(value) * 1000;
  if (!RFC3339.test(value)) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}
