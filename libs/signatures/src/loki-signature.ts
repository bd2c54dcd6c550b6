// The seed's (Loki Suite) HMAC scheme: hex HMAC-SHA256 of the raw body keyed by the whole secret string.
// The timestamp is not part of the signed content; its freshness check only limits naive replays.
import { hexDigestMatches, hmacSha256, hmacSha256Hex } from '@conduit/platform/crypto';

export interface LokiSignatureHeaders {
  'X-Loki-Signature': string;
  'X-Loki-Timestamp': string;
  'X-Loki-Event': string;
}

const SIGNATURE_PREFIX = 'sha256=';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function signLoki(body: string, secret: string, timestamp: Date, eventName: string): LokiSignatureHeaders {
  return {
    'X-Loki-Signature': `${SIGNATURE_PREFIX}${hmacSha256Hex(secret, body)}`,
    // Go's time.RFC3339 layout: whole seconds.
    'X-Loki-Timestamp': timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'X-Loki-Event': eventName,
  };
}

/**
 * Checks the `X-Loki-Signature` and `X-Loki-Timestamp` values of an incoming request. The seed documents
 * the timestamp both as RFC 3339 and as unix seconds, and the signature with or without `sha256=`, so
 * either form is accepted. Unlike the seed, timestamps too far in the future are refused as well.
 */
export function verifyLoki(
  body: string | Buffer,
  signature: string,
  timestamp: string,
  secret: string,
  now: Date = new Date(),
  toleranceSeconds = 300,
): boolean {
  const sentAt = parseLokiTimestamp(timestamp);
  if (sentAt === undefined || Math.abs(now.getTime() - sentAt) > toleranceSeconds * 1000) return false;
  const presented = signature.startsWith(SIGNATURE_PREFIX) ? signature.slice(SIGNATURE_PREFIX.length) : signature;
  return hexDigestMatches(hmacSha256(secret, body), presented);
}

/** Milliseconds since the epoch of an X-Loki-Timestamp (Unix seconds or RFC 3339), or undefined for neither. */
export function parseLokiTimestamp(value: string): number | undefined {
  if (/^\d{1,12}$/.test(value)) return Number(value) * 1000;
  if (!RFC3339.test(value)) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}
