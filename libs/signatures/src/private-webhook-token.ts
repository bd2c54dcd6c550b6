// Bearer JWT sent to private subscriptions, with the seed's claims ("JWT Token Structure").
import jwt, { JwtPayload } from 'jsonwebtoken';

export interface PrivateWebhookTokenClaims {
  sub: string;
  tenant_id: string;
  webhook_id: string;
  app_name: string;
  iss: string;
  iat: number;
  exp: number;
  nbf: number;
}

export interface IssuePrivateWebhookTokenInput {
  subscriptionId: string;
  tenantId: string;
  appName: string;
  signingKey: Buffer;
  issuer?: string;
  ttlSeconds?: number;
  now: Date;
}

export interface VerifyPrivateWebhookTokenOptions {
  signingKey: Buffer;
  issuer?: string;
  now?: Date;
  /** When given, the token must have been issued for this subscription. */
  subscriptionId?: string;
}

// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
const MIN_KEY_BYTES = 32;

export function issuePrivateWebhookToken(input: IssuePrivateWebhookTokenInput): string {
  assertKey(input.signingKey);
  const iat = Math.floor(input.now.getTime() / 1000);
  const claims: PrivateWebhookTokenClaims = {
    sub: input.subscriptionId,
    tenant_id: input.tenantId,
    webhook_id: input.subscriptionId,
    app_name: input.appName,
    iss: input.issuer ?? 'conduit',
    iat,
    exp: iat + (input.ttlSeconds ?? 300),
    nbf: iat,
  };
  return jwt.sign(claims, input.signingKey, { algorithm: 'HS256' });
}

/** The token's claims, or null when it is forged, expired, not yet valid, or for another issuer or subscription. */
export function verifyPrivateWebhookToken(
  token: string,
  options: VerifyPrivateWebhookTokenOptions,
): PrivateWebhookTokenClaims | null {
  assertKey(options.signingKey);
  let payload: string | JwtPayload;
  try {
    payload = jwt.verify(token, options.signingKey, {
      algorithms: ['HS256'],
      issuer: options.issuer ?? 'conduit',
      clockTimestamp: Math.floor((options.now ?? new Date()).getTime() / 1000),
    });
  } catch {
    return null;
  }
  if (!isClaims(payload)) return null;
  if (payload.sub !== payload.webhook_id) return null;
  if (options.subscriptionId !== undefined && payload.webhook_id !== options.subscriptionId) return null;
  return payload;
}

function isClaims(payload: string | JwtPayload): payload is PrivateWebhookTokenClaims {
  if (typeof payload === 'string') return false;
  const strings = ['sub', 'tenant_id', 'webhook_id', 'app_name', 'iss'].every((k) => typeof payload[k] === 'string');
  const numbers = ['iat', 'exp', 'nbf'].every((k) => typeof payload[k] === 'number');
  return strings && numbers;
}

function assertKey(key: Buffer): void {
  if (key.length < MIN_KEY_BYTES)
    throw new RangeError(`private webhook signing key must be at least ${MIN_KEY_BYTES} bytes`);
}
