import { ConduitException } from '../errors';
import { decodeCursor, encodeCursor, toPage } from './cursor';

describe('keyset cursors', () => {
  it('round-trips and pages limit+1 rows', () => {
    const rows = [3, 2, 1].map((n) => ({ id: `id-${n}`, created_at: new Date(Date.UTC(2026, 0, n)) }));
    const page = toPage(rows, 2, (r) => r.id);
    expect(page.data).toEqual(['id-3', 'id-2']);
    expect(decodeCursor(page.next_cursor as string)).toEqual({ created_at: rows[1].created_at.toISOString(), id: 'id-2' });
    expect(toPage(rows.slice(0, 2), 2, (r) => r.id).next_cursor).toBeNull();
    expect(decodeCursor(encodeCursor({ created_at: '2026-01-01T00:00:00.000Z', id: 'x' }))).toEqual({ created_at: '2026-01-01T00:00:00.000Z', id: 'x' });
  });

  it('refuses malformed cursors with validation_failed', () => {
    for (const raw of ['garbage', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["not a date","x"]').toString('base64url')]) {
      expect(() => decodeCursor(raw)).toThrow(ConduitException);
    }
    expect(decodeCursor(undefined)).toBeNull();
  });
});
