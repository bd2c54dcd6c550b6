import { assertEventPatterns, assertValidFilter, matchesFilter, matchingPatterns } from './event-matching';
import { WebhookException } from './webhook.exception';

describe('event matching', () => {
  it('expands an event name into the patterns that match it', () => {
    expect(matchingPatterns('order.created')).toEqual(['order.created', 'order.*', '*']);
    expect(matchingPatterns('a.b.c')).toEqual(['a.b.c', 'a.*', 'a.b.*', '*']);
    expect(matchingPatterns('ping')).toEqual(['ping', '*']);
  });

  it('accepts names and wildcards, refuses junk patterns', () => {
    expect(() => assertEventPatterns(['order.created', 'order.*', '*', 'user_signup'])).not.toThrow();
    for (const bad of ['order.*.x', '**', 'order..x', '', 'has space', '*.created']) {
      expect(() => assertEventPatterns([bad])).toThrow(WebhookException);
    }
  });

  it('filters payloads with the documented operators on dotted paths', () => {
    const payload = { order: { total: 120, currency: 'EUR', tags: ['vip'] }, region: 'eu' };
    expect(matchesFilter({ 'order.total': { $gt: 100 } }, payload)).toBe(true);
    expect(matchesFilter({ 'order.total': { $lte: 100 } }, payload)).toBe(false);
    expect(matchesFilter({ 'order.currency': { $in: ['EUR', 'USD'] } }, payload)).toBe(true);
    expect(matchesFilter({ 'order.currency': { $nin: ['EUR'] } }, payload)).toBe(false);
    expect(matchesFilter({ region: { $neq: 'us' } }, payload)).toBe(true);
    expect(matchesFilter({ region: { $eq: 'us' } }, payload)).toBe(false);
    expect(matchesFilter({ 'order.coupon': { $exists: false } }, payload)).toBe(true);
    expect(matchesFilter({ 'order.total': { $gte: 120, $lt: 121 } }, payload)).toBe(true);
    expect(matchesFilter(null, payload)).toBe(true);
  });

  it('rejects unsupported operators and non-object filters with invalid_filter', () => {
    for (const bad of [{ a: { $where: 'x' } }, { a: { $regex: '.*' } }, [], 'x', { $or: 'nope' }]) {
      try {
        assertValidFilter(bad);
        throw new Error(`accepted ${JSON.stringify(bad)}`);
      } catch (err) {
        expect((err as WebhookException).code).toBe('invalid_filter');
      }
    }
    expect(() => assertValidFilter({ 'a.b': { $gt: 1 }, c: { $in: [1, 2] } })).not.toThrow();
  });

  it('refuses filters that the language does not describe, naming where', () => {
    const deep = (n: number): Record<string, unknown> => (n === 0 ? { a: 1 } : { $and: [deep(n - 1)] });
    const cases: Array<[unknown, RegExp]> = [
      [{ a: { $in: 5 } }, /a\.\$in: \$in takes an array/],
      [{ a: { $nin: 'x' } }, /\$nin takes an array/],
      [{ a: { $exists: 'yes' } }, /\$exists takes true or false/],
      [{ a: { $gt: { $gt: 1 } } }, /\$gt takes a number or a string/],
      [{ a: { $eq: { $gt: 1 } } }, /operators are not allowed inside a value/],
      [{ $eq: 1 }, /\$eq applies to a field/],
      [{ $gt: 1 }, /\$gt applies to a field/],
      [{ a: { $gt: 1, b: 2 } }, /cannot be mixed/],
      [{ $and: 5 }, /\$and takes a non-empty array of filters/],
      [{ $or: [] }, /\$or takes a non-empty array/],
      [{ $or: [1] }, /\$or takes a non-empty array of filters/],
      [deep(20), /nested deeper than 8 levels/],
    ];
    for (const [filter, message] of cases) {
      let caught: WebhookException | undefined;
      try {
        assertValidFilter(filter);
      } catch (err) {
        caught = err as WebhookException;
      }
      expect(caught?.code, JSON.stringify(filter)).toBe('invalid_filter');
      expect(caught?.message, JSON.stringify(filter)).toMatch(message);
      expect(caught?.message).not.toMatch(/is not a function/);
    }
  });

  it('accepts the documented forms, combined with $and / $or', () => {
    const ok = [
      { 'order.total': { $gte: 100, $lt: 1000 }, 'order.currency': 'EUR' },
      { $or: [{ region: 'eu' }, { 'order.total': { $gt: 500 } }] },
      { $and: [{ a: { $exists: true } }, { b: { $nin: ['x', 'y'] } }] },
      { tags: ['vip', 'new'] },
      { 'customer.address': { city: 'Paris' } },
      { a: { $eq: null }, b: { $neq: 'x' }, c: { $ne: 3 } },
    ];
    for (const filter of ok) expect(() => assertValidFilter(filter), JSON.stringify(filter)).not.toThrow();
  });
});
