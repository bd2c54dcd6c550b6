import { createHmac } from 'node:crypto';
import { signLoki } from '../loki-signature';
import { issuePrivateWebhookToken } from '../private-webhook-token';
import { verifyInbound } from './verify-inbound';
import { VerificationInput } from './verification.types';

describe('seed private verification (Bearer JWT + X-Loki-Signature)', () => {
  const secret = 'whsec_current-source-secret-0123456789';
  const previous = 'whsec_previous-source-secret-987654321';
  const sourceId = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const tenantId = 'tenant_123';
  const payload = '{"event_name":"order.shipped","payload":{"order":42}}';
  const now = new Date('2026-02-03T04:05:06Z');
  const iat = Math.floor(now.getTime() / 1000);

  const token = (key = secret, overrides: { subscriptionId?: string; tenantId?: string; at?: Date } = {}) =>
    issuePrivateWebhookToken({
      subscriptionId: overrides.subscriptionId ?? sourceId,
      tenantId: overrides.tenantId ?? tenantId,
      appName: 'payment_service',
      signingKey: Buffer.from(key, 'utf8'),
      now: overrides.at ?? now,
    });
  // An HS256 JWT built by hand, to check the key is the secret's UTF-8 bytes without trusting our signer.
  const handMadeToken = (key: string, claims: Record<string, unknown>, alg = 'HS256') => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const content = `${part({ alg, typ: 'JWT' })}.${part(claims)}`;
    return `${content}.${createHmac('sha256', Buffer.from(key, 'utf8')).update(content).digest('base64url')}`;
  };
  const seedClaims = {
    sub: sourceId,
    tenant_id: tenantId,
    webhook_id: sourceId,
    app_name: 'app',
    iss: 'conduit',
    iat,
    exp: iat + 86_400,
    nbf: iat,
  };

  const headers = (bearer: string | undefined, hmacKey = secret): VerificationInput['headers'] => {
    const signed = signLoki(payload, hmacKey, now, 'order.shipped');
    return {
      authorization: bearer === undefined ? undefined : `Bearer ${bearer}`,
      'x-loki-signature': signed['X-Loki-Signature'],
      'x-loki-timestamp': signed['X-Loki-Timestamp'],
    };
  };
  const verify = (headerValues: VerificationInput['headers'], overrides: Partial<VerificationInput> = {}) =>
    verifyInbound({
      provider: 'jwt_hmac',
      rawBody: Buffer.from(payload),
      headers: headerValues,
      secrets: [secret],
      sourceId,
      tenantId,
      now,
      ...overrides,
    });

  it('accepts a token from issuePrivateWebhookToken with a signLoki signature', () => {
    expect(verify(headers(token()))).toEqual({ ok: true, secretIndex: 0 });
  });

  it('accepts a JWT and signature built independently with node:crypto, Unix-seconds timestamp', () => {
    const signature = createHmac('sha256', secret).update(payload).digest('hex');
    const result = verify({
      authorization: `Bearer ${handMadeToken(secret, seedClaims)}`,
      'x-loki-signature': `sha256=${signature}`,
      'x-loki-timestamp': String(iat),
    });
    expect(result).toEqual({ ok: true, secretIndex: 0 });
  });

  it('refuses a token for another webhook or another tenant', () => {
    const otherWebhook = { ok: false, reason: 'token_invalid', message: expect.stringContaining('another webhook') };
    const otherTenant = { ok: false, reason: 'token_invalid', message: expect.stringContaining('another tenant') };
    expect(verify(headers(token(secret, { subscriptionId: 'another-source' })))).toEqual(otherWebhook);
    expect(verify(headers(token()), { sourceId: 'another-source' })).toEqual(otherWebhook);
    expect(verify(headers(token(secret, { tenantId: 'tenant_456' })))).toEqual(otherTenant);
    expect(verify(headers(token()), { tenantId: 'tenant_456' })).toEqual(otherTenant);
  });

  it('refuses a forged, expired, unsigned or foreign-issuer token', () => {
    expect(verify(headers(token('whsec_someone-else-entirely-0123456789')))).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
    expect(verify(headers(token(secret, { at: new Date(now.getTime() - 301_000) })))).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
    const [header, claims] = handMadeToken(secret, seedClaims, 'none').split('.');
    expect(verify(headers(`${header}.${claims}.`))).toMatchObject({ ok: false, reason: 'token_invalid' });
    expect(verify(headers(handMadeToken(secret, { ...seedClaims, iss: 'loki-suite' })))).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
    expect(verify(headers('not-a-jwt'))).toMatchObject({ ok: false, reason: 'token_invalid' });
  });

  it('refuses a missing token, including Basic credentials in its place', () => {
    expect(verify(headers(undefined))).toMatchObject({ ok: false, reason: 'token_missing' });
    expect(verify({ ...headers(undefined), authorization: 'Basic dXNlcjpwYXNz' })).toMatchObject({
      ok: false,
      reason: 'token_missing',
    });
  });

  it('still requires the seed HMAC and timestamp after a valid token', () => {
    const valid = headers(token());
    expect(verify({ ...valid, 'x-loki-signature': undefined })).toMatchObject({
      ok: false,
      reason: 'signature_missing',
    });
    expect(verify(valid, { rawBody: Buffer.from(`${payload} `) })).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(verify({ ...valid, 'x-loki-timestamp': String(iat - 600) })).toMatchObject({
      ok: false,
      reason: 'timestamp_out_of_tolerance',
    });
  });

  it('during rotation accepts the previous secret and reports the oldest one in use', () => {
    expect(verify(headers(token(previous), previous), { secrets: [secret, previous] })).toEqual({
      ok: true,
      secretIndex: 1,
    });
    expect(verify(headers(token(previous), secret), { secrets: [secret, previous] })).toEqual({
      ok: true,
      secretIndex: 1,
    });
    expect(verify(headers(token(), secret), { secrets: [secret, previous] })).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(headers(token(previous), secret), { secrets: [secret] })).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
  });

  it('cannot verify a token with a secret shorter than an HS256 key (32 bytes)', () => {
    const short = 'short-secret';
    const shortToken = handMadeToken(short, seedClaims);
    expect(verify(headers(shortToken, short), { secrets: [short] })).toMatchObject({
      ok: false,
      reason: 'token_invalid',
    });
  });
});
