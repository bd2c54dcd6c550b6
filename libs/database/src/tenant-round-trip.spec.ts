import { inline } from './tenant-round-trip';

describe('inline', () => {
  it('inlines values as literals, escaping quotes and backslashes', () => {
    expect(inline('SELECT $1, $2, $3, $4, $5', [`it's`, 42, true, null, 'a\\b'])).toBe(
      `SELECT E'it''s', 42, TRUE, NULL, E'a\\\\b'`,
    );
  });

  it('keeps $10 distinct from $1', () => {
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(inline('$1,$10', values)).toBe('1,10');
  });

  it('refuses missing values, non-finite numbers and NUL', () => {
    expect(() => inline('$1', ['a\u0000b'])).toThrow(RangeError);
    expect(() => inline('$2', [1])).toThrow(RangeError);
    expect(() => inline('$1', [Number.NaN])).toThrow(RangeError);
  });
});
