import { ConduitException } from '../errors';
import { decodeCursor, encodeCursor, isCursorTimestamp, toPage } from './cursor';

const uuid = (n: number) => `0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3${n}`;
const forge = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');

describe('keyset cursors', () => {
  it('round-trips and pages limit+1 rows', () => {
    const rows = [3, 2, 1].map((n) => ({ id: uuid(n), created_at: new Date(Date.UTC(2026, 0, n)) }));
    const page = toPage(rows, 2, (r) => r.id);
    expect(page.data).toEqual([uuid(3), uuid(2)]);
    expect(decodeCursor(page.next_cursor as string)).toEqual({
      created_at: rows[1].created_at.toISOString(),
      id: uuid(2),
    });
    expect(toPage(rows.slice(0, 2), 2, (r) => r.id).next_cursor).toBeNull();
    const cursor = { created_at: '2026-01-01T00:00:00.000Z', id: uuid(1) };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(undefined)).toBeNull();
  });

  it.each([
    ['garbage', 'garbage'],
    ['numbers', forge([1, 2])],
    ['not a date', forge(['not a date', uuid(1)])],
    ['an id that is not a UUID', forge(['2026-01-01T00:00:00Z', 'not-a-uuid'])],
    ['a digit string for a date', forge(['1', uuid(1)])],
    ['a date without a time', forge(['2026-01-01', uuid(1)])],
    ['a six-digit year', forge(['+275760-09-13T00:00:00.000Z', uuid(1)])],
    ['a NUL after the date', forge(['2026-01-01T00:00:00Z\u0000', uuid(1)])],
    ['three parts', forge(['2026-01-01T00:00:00Z', uuid(1), 'x'])],
    ['an object', forge({ created_at: '2026-01-01T00:00:00Z', id: uuid(1) })],
  ])('refuses %s with 400 validation_failed on the cursor field', (_what, raw) => {
    let thrown: unknown;
    try {
      decodeCursor(raw);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConduitException);
    expect(thrown).toMatchObject({ code: 'validation_failed', status: 400, details: [{ field: 'cursor' }] });
  });
});

describe('isCursorTimestamp', () => {
  it.each([
    '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00.123Z',
    '2026-01-01T00:00:00.123456Z',
    '2026-01-01T01:00:00+01:00',
    '2024-02-29T12:00:00Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
  ])('accepts %s', (text) => {
    expect(isCursorTimestamp(text)).toBe(true);
  });

  it.each([
    '1',
    '2026',
    '2026-01-01',
    '2026-01-01 00:00:00Z',
    '2026-01-01T00:00:00',
    '0000-01-01T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:60:00Z',
    '2026-01-01T00:00:60Z',
    '2026-01-01T00:00:00.1234567Z',
    '2026-01-01T00:00:00+16:00',
    '+275760-09-13T00:00:00.000Z',
    'Tue, 01 Jan 2026 00:00:00 GMT',
  ])('refuses %s', (text) => {
    expect(isCursorTimestamp(text)).toBe(false);
  });
});
