import { createHmac } from 'node:crypto';
import { signLoki, verifyLoki } from './loki-signature';

describe('Loki signature', () => {
  const secret = 'whsec_c2VjcmV0LXRva2VuLWZvci1sb2tp';
  const body = '{"event_name":"payment.completed","payload":{"amount":99.99}}';
  const sentAt = new Date('2025-03-04T05:06:07.891Z');

  it('signs the body with the whole secret string, as the seed does', () => {
    const headers = signLoki(body, secret, sentAt, 'payment.completed');

    expect(headers).toEqual({
      'X-Loki-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      'X-Loki-Timestamp': '2025-03-04T05:06:07Z',
      'X-Loki-Event': 'payment.completed',
    });
  });

  it('verifies within five minutes', () => {
    const { 'X-Loki-Signature': signature, 'X-Loki-Timestamp': timestamp } = signLoki(body, secret, sentAt, 'e');
    const at = (offsetSeconds: number) => new Date(sentAt.getTime() + offsetSeconds * 1000);

    expect(verifyLoki(body, signature, timestamp, secret, at(299))).toBe(true);
    expect(verifyLoki(Buffer.from(body), signature, timestamp, secret, at(0))).toBe(true);
  });

  it('rejects stale and far-future timestamps', () => {
    const { 'X-Loki-Signature': signature, 'X-Loki-Timestamp': timestamp } = signLoki(body, secret, sentAt, 'e');

    expect(verifyLoki(body, signature, timestamp, secret, new Date(sentAt.getTime() + 301_000))).toBe(false);
    expect(verifyLoki(body, signature, timestamp, secret, new Date(sentAt.getTime() - 301_000))).toBe(false);
  });

  it('rejects a tampered body, a wrong secret or an unreadable timestamp', () => {
    const { 'X-Loki-Signature': signature, 'X-Loki-Timestamp': timestamp } = signLoki(body, secret, sentAt, 'e');

    expect(verifyLoki(`${body} `, signature, timestamp, secret, sentAt)).toBe(false);
    expect(verifyLoki(body, signature, timestamp, 'other-secret', sentAt)).toBe(false);
    expect(verifyLoki(body, signature, 'yesterday', secret, sentAt)).toBe(false);
  });

  it('accepts the other forms the seed documents: unix seconds and a bare hex signature', () => {
    const hex = createHmac('sha256', secret).update(body).digest('hex');
    const unix = String(Math.floor(sentAt.getTime() / 1000));

    expect(verifyLoki(body, hex, unix, secret, sentAt)).toBe(true);
    expect(verifyLoki(body, `sha256=${hex}`, '2025-03-04T06:06:07+01:00', secret, sentAt)).toBe(true);
  });
});
