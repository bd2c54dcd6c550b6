import { MAX_DELIVERY_ID, deliveryKey } from './delivery-key';

describe('deliveryKey', () => {
  it('keeps ids of up to 200 characters as they are', () => {
    expect(deliveryKey('evt_1')).toBe('evt_1');
    expect(deliveryKey('d'.repeat(MAX_DELIVERY_ID))).toBe('d'.repeat(MAX_DELIVERY_ID));
  });

  it('keys longer ids by their first 200 characters and a SHA-256 of the whole id', () => {
    const key = deliveryKey('d'.repeat(5000));
    expect(key).toMatch(/^d{200}#sha256=[0-9a-f]{64}$/);
    expect(deliveryKey('d'.repeat(5000))).toBe(key);
    expect(deliveryKey(`${'d'.repeat(4000)}DIFFERENT`)).not.toBe(key);
    expect(deliveryKey('d'.repeat(201))).not.toBe(deliveryKey('d'.repeat(202)));
  });

  it('never gives a long id the key of a short one', () => {
    expect(deliveryKey('d'.repeat(201)).length).toBeGreaterThan(MAX_DELIVERY_ID);
  });

  it('replaces what PostgreSQL text cannot hold, also where the cut splits a surrogate pair', () => {
    expect(deliveryKey('evt_\u0000x')).toBe('evt_\uFFFDx');
    const split = deliveryKey(`${'a'.repeat(MAX_DELIVERY_ID - 1)}\ud83d\ude00tail`);
    expect(split.slice(0, MAX_DELIVERY_ID)).toBe(`${'a'.repeat(MAX_DELIVERY_ID - 1)}\uFFFD`);
    expect(split).toMatch(/#sha256=[0-9a-f]{64}$/);
  });
});
