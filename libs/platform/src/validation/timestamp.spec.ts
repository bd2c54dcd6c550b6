import { assertTimeWindow, parseTimestamp } from './timestamp';

describe('parseTimestamp', () => {
  it.each([
    ['2026-11-23T12:00:00Z', '2026-11-23T12:00:00.000Z'],
    ['2026-11-23T12:00:00.123456Z', '2026-11-23T12:00:00.123Z'],
    ['2026-11-23T12:00Z', '2026-11-23T12:00:00.000Z'],
    ['2026-11-23T13:00:00+01:00', '2026-11-23T12:00:00.000Z'],
    ['2026-11-23T12:00:00', '2026-11-23T12:00:00.000Z'],
    ['2026-11-23', '2026-11-23T00:00:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['a number', 5],
    ['a boolean', true],
    ['a digit string', '5'],
    ['words', 'yesterday'],
    ['a year before 1970', '1969-12-31T23:59:59Z'],
    ['a five-digit year', '+275760-09-13T00:00:00Z'],
    ['a day that does not exist', '2026-02-31'],
    ['a day that does not exist, with an offset', '2026-02-29T10:00+05:00'],
    ['a time that is past 9999 in UTC', '9999-12-31T23:59:59-14:00'],
    ['month 13', '2026-13-01'],
    ['an hour out of range', '2026-11-23T25:00:00Z'],
    ['an empty string', ''],
    ['a very long string', `2026-11-23T12:00:00Z${' '.repeat(40)}`],
  ])('refuses %s', (_what, value) => {
    expect(parseTimestamp(value)).toBeNull();
  });
});

describe('assertTimeWindow', () => {
  const at = (iso: string) => new Date(iso);

  it('accepts open windows and since before until', () => {
    expect(() => assertTimeWindow(undefined, undefined)).not.toThrow();
    expect(() => assertTimeWindow(at('2026-01-01T00:00:00Z'), undefined)).not.toThrow();
    expect(() => assertTimeWindow(at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'), 93)).not.toThrow();
  });

  it('refuses since at or after until, and windows longer than the maximum', () => {
    expect(() => assertTimeWindow(at('2026-02-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toThrow(/before until/);
    expect(() => assertTimeWindow(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toThrow(/before until/);
    expect(() => assertTimeWindow(at('2026-01-01T00:00:00Z'), at('2026-06-01T00:00:00Z'), 93)).toThrow(/93 days/);
  });
});
