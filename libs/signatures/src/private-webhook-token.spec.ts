import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { issuePrivateWebhookToken, verifyPrivateWebhookToken } from './private-webhook-token';

describe('private webhook token', () => {
  const signingKey = randomBytes(32);
  const now = new Date('2025-01-02T03:04:05.600Z');
  const iat = Math.floor(now.getTime() / 1000);
  const subscriptionId = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const input = { subscriptionId, tenantId: 'tenant_123', appName: 'payment_service', signingKey, now };

  it('carries exactly the seed claims in an HS256 JWT', () => {
    const token = issuePrivateWebhookToken(input);
    const decoded = jwt.decode(token, { complete: true });

    expect(decoded?.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decoded?.payload).toEqual({
      sub: subscriptionId,
      tenant_id: 'tenant_123',
      webhook_id: subscriptionId,
      app_name: 'payment_service',
      iss: 'conduit',
      iat,
      exp: iat + 300,
      nbf: iat,
    });
  });

  it('honours issuer and ttl', () => {
    const token = issuePrivateWebhookToken({ ...input, issuer: 'loki-suite', ttlSeconds: 86_400 });

    expect(jwt.decode(token)).toMatchObject({ iss: 'loki-suite', exp: iat + 86_400 });
    expect(verifyPrivateWebhookToken(token, { signingKey, issuer: 'loki-suite', now })?.iss).toBe('loki-suite');
  });

  it('verifies with the key, issuer and time, optionally pinned to a subscription', () => {
    const token = issuePrivateWebhookToken(input);

    expect(verifyPrivateWebhookToken(token, { signingKey, now })).toMatchObject({ sub: subscriptionId });
    expect(verifyPrivateWebhookToken(token, { signingKey, now, subscriptionId })).not.toBeNull();
    expect(verifyPrivateWebhookToken(token, { signingKey, now, subscriptionId: 'other' })).toBeNull();
  });

  it('rejects a wrong key, issuer, expired or not-yet-valid token, and other algorithms', () => {
    const token = issuePrivateWebhookToken(input);
    const after = new Date(now.getTime() + 301_000);
    const before = new Date(now.getTime() - 10_000);
    const unsigned = jwt.sign({ ...(jwt.decode(token) as object) }, '', { algorithm: 'none' });

    expect(verifyPrivateWebhookToken(token, { signingKey: randomBytes(32), now })).toBeNull();
    expect(verifyPrivateWebhookToken(token, { signingKey, issuer: 'someone-else', now })).toBeNull();
    expect(verifyPrivateWebhookToken(token, { signingKey, now: after })).toBeNull();
    expect(verifyPrivateWebhookToken(token, { signingKey, now: before })).toBeNull();
    expect(verifyPrivateWebhookToken(unsigned, { signingKey, now })).toBeNull();
    expect(verifyPrivateWebhookToken('not.a.jwt', { signingKey, now })).toBeNull();
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => issuePrivateWebhookToken({ ...input, signingKey: randomBytes(16) })).toThrow(RangeError);
  });
});
