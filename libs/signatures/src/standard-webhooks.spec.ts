import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signStandardWebhook, verifyStandardWebhook } from './standard-webhooks';

describe('Standard Webhooks signing', () => {
  const body = '{"type":"order.created","timestamp":"2025-01-01T00:00:00.000Z","data":{"id":1}}';
  const message = { id: 'msg_2aQ9', timestamp: new Date(), body };

  it('generates whsec_ secrets carrying 32 random bytes', () => {
    const secret = generateWebhookSecret();

    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('matches the specification example', () => {
    const headers = signStandardWebhook(
      { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: new Date(1614265330 * 1000), body: '{"test": 2432232314}' },
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    );

    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('is verified by the standardwebhooks package', () => {
    const secret = generateWebhookSecret();

    const headers = signStandardWebhook(message, [secret]);

    expect(headers['webhook-timestamp']).toBe(String(Math.floor(message.timestamp.getTime() / 1000)));
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs once per secret during rotation, each secret verifying alone', () => {
    const previous = generateWebhookSecret();
    const current = generateWebhookSecret();

    const headers = signStandardWebhook(message, [current, previous]);

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
    expect(verifyStandardWebhook({ ...headers }, body, previous)).toBe(true);
  });

  it('refuses to sign without a secret', () => {
    expect(() => signStandardWebhook(message, [])).toThrow(RangeError);
  });

  describe('verifyStandardWebhook', () => {
    const secret = generateWebhookSecret();
    const now = new Date('2025-06-01T12:00:00Z');
    const signed = signStandardWebhook({ id: 'msg_1', timestamp: now, body }, [secret]);

    it('accepts what standardwebhooks signs', () => {
      const headers = {
        'webhook-id': 'msg_ext',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_ext', now, body),
      };

      expect(verifyStandardWebhook(headers, Buffer.from(body), secret, 300, now)).toBe(true);
    });

    it('accepts its own signature with any header casing', () => {
      const upper = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));

      expect(verifyStandardWebhook({ ...signed }, body, secret, 300, now)).toBe(true);
      expect(verifyStandardWebhook(upper, body, secret, 300, now)).toBe(true);
    });

    it('rejects a tampered body, id or wrong secret', () => {
      expect(verifyStandardWebhook({ ...signed }, `${body} `, secret, 300, now)).toBe(false);
      expect(verifyStandardWebhook({ ...signed, 'webhook-id': 'msg_2' }, body, secret, 300, now)).toBe(false);
      expect(verifyStandardWebhook({ ...signed }, body, generateWebhookSecret(), 300, now)).toBe(false);
    });

    it('rejects timestamps outside the tolerance either way', () => {
      const later = new Date(now.getTime() + 301_000);
      const earlier = new Date(now.getTime() - 301_000);

      expect(verifyStandardWebhook({ ...signed }, body, secret, 300, new Date(now.getTime() + 299_000))).toBe(true);
      expect(verifyStandardWebhook({ ...signed }, body, secret, 300, later)).toBe(false);
      expect(verifyStandardWebhook({ ...signed }, body, secret, 300, earlier)).toBe(false);
    });

    it('rejects missing or malformed headers', () => {
      expect(verifyStandardWebhook({}, body, secret, 300, now)).toBe(false);
      expect(verifyStandardWebhook({ ...signed, 'webhook-timestamp': 'soon' }, body, secret, 300, now)).toBe(false);
      expect(verifyStandardWebhook({ ...signed, 'webhook-signature': 'v2,abc' }, body, secret, 300, now)).toBe(false);
    });
  });
});
