// The test vectors the schemes' own documentation publishes: a scheme that drifts from its specification fails here
// even if it still agrees with itself.
import { signGithub, signStandardWebhook, signStripe, verifyInbound, verifyStandardWebhook } from './index';

describe('published test vectors', () => {
  it('Standard Webhooks: the specification repository’s signing vector', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const timestamp = new Date(1614265330 * 1000);
    const message = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp, body: '{"test": 2432232314}' };
    const headers = signStandardWebhook(message, [secret]);

    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
    expect(verifyStandardWebhook({ ...headers }, message.body, secret, 300, timestamp)).toBe(true);
  });

  it('GitHub: the "Validating webhook deliveries" example', () => {
    const header = signGithub('Hello, World!', "It's a Secret to Everybody");

    expect(header).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    const input = {
      provider: 'github' as const,
      rawBody: Buffer.from('Hello, World!'),
      sourceId: 's',
      tenantId: 't',
      now: new Date(),
    };
    expect(
      verifyInbound({ ...input, headers: { 'x-hub-signature-256': header }, secrets: ["It's a Secret to Everybody"] }),
    ).toEqual({ ok: true, secretIndex: 0 });
    expect(
      verifyInbound({ ...input, headers: { 'x-hub-signature-256': header }, secrets: ['another secret'] }),
    ).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it('Stripe: the header the stripe package signs is the one signStripe makes, and verifies', async () => {
    const { default: Stripe } = await import('stripe');
    const secret = 'whsec_test_secret';
    const body = '{"id":"evt_test_webhook","object":"event"}';
    const at = new Date('2026-01-02T03:04:05Z');
    const theirs = new Stripe('sk_test_x').webhooks.generateTestHeaderString({
      payload: body,
      secret,
      timestamp: at.getTime() / 1000,
    });

    expect(signStripe(body, secret, at)).toBe(theirs);
    const input = { provider: 'stripe' as const, rawBody: Buffer.from(body), sourceId: 's', tenantId: 't', now: at };
    expect(verifyInbound({ ...input, headers: { 'stripe-signature': theirs }, secrets: [secret] })).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });
});
