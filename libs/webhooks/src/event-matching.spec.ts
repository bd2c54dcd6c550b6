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
});
