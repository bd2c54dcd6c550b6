// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>...`, HMAC-SHA256 of `${t}.${body}` keyed by the `whsec_` string as-is.
import { constantTimeEqual, hmacSha256Hex } from '@conduit/platform/crypto';
import { headerValue } from './request-headers';
import { accepted, matchingSecretIndex, refused, withinTolerance } from './verification-outcome';
import { VerificationInput, VerificationResult } from './verification.types';

interface StripeSignatureHeader {
  timestamp: number | undefined;
  /** Only `v1`; Stripe's `v0` test-mode scheme is SHA-1 based and ignored, as Stripe's own library does. */
  signatures: string[];
}

export function verifyStripe(input: VerificationInput): VerificationResult {
  const header = headerValue(input.headers, 'stripe-signature');
  if (!header) return refused('signature_missing', 'Stripe-Signature header is missing');
  const { timestamp, signatures } = parseStripeSignature(header);
  if (signatures.length === 0) return refused('signature_missing', 'Stripe-Signature header has no v1 signature');
  if (timestamp === undefined) return refused('timestamp_missing', 'Stripe-Signature header has no valid t= timestamp');
  if (!withinTolerance(timestamp * 1000, input)) {
    return refused('timestamp_out_of_tolerance', 'Stripe-Signature timestamp is outside the tolerance window');
  }

  const content = Buffer.concat([Buffer.from(`${timestamp}.`), input.rawBody]);
  const index = matchingSecretIndex(input.secrets, (secret) => {
    const expected = hmacSha256Hex(secret, content);
    // Stripe sends one v1 per active endpoint secret; compare all of them, without stopping early.
    return signatures.reduce((found, signature) => constantTimeEqual(signature, expected) || found, false);
  });
  return index < 0 ? refused('signature_invalid', 'Stripe-Signature does not match the payload') : accepted(index);
}

function parseStripeSignature(header: string): StripeSignatureHeader {
  const parsed: StripeSignatureHeader = { timestamp: undefined, signatures: [] };
  for (const item of header.split(',')) {
    const separator = item.indexOf('=');
    if (separator < 0) continue;
    const key = item.slice(0, separator).trim();
    const value = item.slice(separator + 1).trim();
    if (key === 't') parsed.timestamp = /^\d{1,12}$/.test(value) ? Number(value) : undefined;
    if (key === 'v1' && value) parsed.signatures.push(value);
  }
  return parsed;
}

/** The `Stripe-Signature` value Stripe sends for `body` at `timestamp` (for tests, tools and replays). */
export function signStripe(body: string | Buffer, secret: string, timestamp: Date): string {
  const t = Math.floor(timestamp.getTime() / 1000);
  return `t=${t},v1=${hmacSha256Hex(secret, Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)]))}`;
}
