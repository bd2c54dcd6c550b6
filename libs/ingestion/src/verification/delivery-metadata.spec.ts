import { providerDeliveryId, providerEventType } from './delivery-metadata';
import { INBOUND_PROVIDERS } from '@conduit/signatures';

describe('providerDeliveryId', () => {
  it('uses each provider’s own delivery id', () => {
    expect(providerDeliveryId('stripe', {}, { id: 'evt_1N', type: 'invoice.paid' })).toBe('evt_1N');
    expect(providerDeliveryId('github', { 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' }, {})).toBe(
      '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    );
    expect(providerDeliveryId('standard_webhooks', { 'webhook-id': 'msg_2Kx8' }, {})).toBe('msg_2Kx8');
  });

  it('prefers the provider’s id over Idempotency-Key', () => {
    expect(providerDeliveryId('stripe', { 'idempotency-key': 'idem_1' }, { id: 'evt_1' })).toBe('evt_1');
    expect(providerDeliveryId('github', { 'idempotency-key': 'idem_1', 'x-github-delivery': 'gh_1' }, {})).toBe('gh_1');
    expect(providerDeliveryId('standard_webhooks', { 'idempotency-key': 'idem_1', 'webhook-id': 'msg_1' }, {})).toBe(
      'msg_1',
    );
  });

  it.each(INBOUND_PROVIDERS)('falls back to Idempotency-Key for %s', (provider) => {
    expect(providerDeliveryId(provider, { 'idempotency-key': 'idem_42' }, { note: 'no id here' })).toBe('idem_42');
  });

  it('returns undefined when there is nothing usable', () => {
    expect(providerDeliveryId('stripe', {}, 'raw text body')).toBeUndefined();
    expect(providerDeliveryId('stripe', {}, { id: 42 })).toBeUndefined();
    expect(providerDeliveryId('stripe', {}, null)).toBeUndefined();
    expect(providerDeliveryId('stripe', {}, [{ id: 'evt_1' }])).toBeUndefined();
    expect(providerDeliveryId('github', { 'x-github-delivery': '  ' }, {})).toBeUndefined();
    expect(providerDeliveryId('hmac', {}, { id: 'body ids are not trusted for the seed model' })).toBeUndefined();
  });
});

describe('providerEventType', () => {
  it('reads Stripe and Standard Webhooks `type` from the body', () => {
    expect(providerEventType('stripe', {}, { id: 'evt_1', type: 'invoice.paid' })).toBe('invoice.paid');
    expect(providerEventType('standard_webhooks', {}, { type: 'user.created', data: {} })).toBe('user.created');
    expect(providerEventType('stripe', {}, 'not json')).toBeUndefined();
  });

  it('joins X-GitHub-Event and the body action', () => {
    expect(providerEventType('github', { 'x-github-event': 'pull_request' }, { action: 'opened' })).toBe(
      'pull_request.opened',
    );
    expect(providerEventType('github', { 'x-github-event': 'push' }, { ref: 'refs/heads/main' })).toBe('push');
    expect(providerEventType('github', {}, { action: 'opened' })).toBeUndefined();
  });

  it('reads X-Loki-Event for the seed models', () => {
    expect(providerEventType('hmac', { 'x-loki-event': 'payment.completed' }, {})).toBe('payment.completed');
    expect(providerEventType('jwt_hmac', { 'x-loki-event': 'order.shipped' }, {})).toBe('order.shipped');
  });

  it.each(['api_key', 'basic', 'none'] as const)('leaves %s to the source’s configured rule', (provider) => {
    expect(providerEventType(provider, { 'x-loki-event': 'x' }, { type: 'y' })).toBeUndefined();
  });
});
