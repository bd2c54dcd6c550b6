import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, verifyLoki } from '@conduit/signatures';
import { REDACTED, buildDeliveryRequest } from './delivery-request';

describe('buildDeliveryRequest', () => {
  const now = new Date();
  const base = {
    deliveryId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
    eventName: 'order.created',
    eventCreatedAt: new Date('2026-11-20T10:00:00.123Z'),
    payload: { id: 7, items: ['a'] },
    payloadFormat: 'envelope' as const,
    customHeaders: { 'X-Api-Key': 'k-123' },
    now,
  };

  it('signs the exact body bytes for every active secret and the Loki scheme', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const req = buildDeliveryRequest({ ...base, secrets: [current, previous] });
    expect(JSON.parse(req.body)).toEqual({
      type: 'order.created',
      timestamp: '2026-11-20T10:00:00.123Z',
      data: { id: 7, items: ['a'] },
    });
    expect(req.headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [current, previous])
      expect(() => new Webhook(secret).verify(req.body, req.headers)).not.toThrow();
    expect(verifyLoki(req.body, req.headers['X-Loki-Signature'], req.headers['X-Loki-Timestamp'], current, now)).toBe(
      true,
    );
    expect(req.headers['X-Loki-Event']).toBe('order.created');
    expect(req.headers['X-Api-Key']).toBe('k-123');
  });

  it('sends the bare payload for raw subscriptions', () => {
    const req = buildDeliveryRequest({ ...base, payloadFormat: 'raw', secrets: [generateWebhookSecret()] });
    expect(req.body).toBe('{"id":7,"items":["a"]}');
  });

  it('records credentials as [REDACTED] but keeps ids, timestamps and signatures', () => {
    const req = buildDeliveryRequest({ ...base, secrets: [generateWebhookSecret()], bearerToken: 'jwt.value.here' });
    expect(req.headers.authorization).toBe('Bearer jwt.value.here');
    expect(req.recordedHeaders.authorization).toBe(REDACTED);
    expect(req.recordedHeaders['X-Api-Key']).toBe(REDACTED);
    expect(req.recordedHeaders['webhook-id']).toBe(base.deliveryId);
    expect(req.recordedHeaders['webhook-signature']).toBe(req.headers['webhook-signature']);
  });

  it("sends a public subscription's own Authorization header and records it only as [REDACTED]", () => {
    const req = buildDeliveryRequest({
      ...base,
      customHeaders: { Authorization: 'Basic dXNlcjpwdw==' },
      secrets: [generateWebhookSecret()],
    });
    expect(req.headers.Authorization).toBe('Basic dXNlcjpwdw==');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.recordedHeaders.Authorization).toBe(REDACTED);
    expect(JSON.stringify(req.recordedHeaders)).not.toContain('dXNlcjpwdw');
  });
});
