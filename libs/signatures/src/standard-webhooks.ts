// Standard Webhooks signing (https://www.standardwebhooks.com): v1 = base64 HMAC-SHA256 of "id.timestamp.body".
import { randomBytes } from 'node:crypto';
import { constantTimeEqual, hmacSha256Parts } from '@conduit/platform/crypto';

const SECRET_PREFIX = 'whsec_';

export interface StandardWebhookMessage {
  id: string;
  timestamp: Date;
  body: string;
}

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export type IncomingHeaders = Record<string, string | string[] | undefined>;

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** One `v1,` signature per secret, so receivers holding either secret verify during a rotation. */
export function signStandardWebhook(
  message: StandardWebhookMessage,
  secrets: readonly string[],
): StandardWebhookHeaders {
  if (secrets.length === 0) throw new RangeError('signStandardWebhook: at least one secret is required');
  const timestamp = String(Math.floor(message.timestamp.getTime() / 1000));
  const signatures = secrets.map((secret) => `v1,${sign(secret, message.id, timestamp, message.body)}`);
  return { 'webhook-id': message.id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}

export function verifyStandardWebhook(
  headers: IncomingHeaders,
  body: string | Buffer,
  secret: string,
  toleranceSeconds = 300,
  now: Date = new Date(),
): boolean {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatureHeader = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatureHeader || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;

  const expected = sign(secret, id, timestamp, body);
  let matched = false;
  // Compare every candidate rather than stopping at the first match, so timing reveals nothing.
  for (const candidate of signatureHeader.split(' ')) {
    const [version, signature] = candidate.split(',', 2);
    if (version === 'v1' && signature !== undefined && constantTimeEqual(signature, expected)) matched = true;
  }
  return matched;
}

function sign(secret: string, id: string, timestamp: string, body: string | Buffer): string {
  return hmacSha256Parts(secretKey(secret), [`${id}.${timestamp}.`, body]).toString('base64');
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new RangeError('webhook secret must be whsec_ followed by base64');
  return key;
}

function header(headers: IncomingHeaders, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(entry) ? entry[0] : entry;
}
