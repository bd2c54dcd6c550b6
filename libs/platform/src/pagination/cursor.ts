// Keyset pagination: the cursor is an opaque, url-safe encoding of the last row's (created_at, id).
import { CommonException } from '../errors';
import { isUuid } from '../ids';

export interface KeysetCursor {
  created_at: string;
  id: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.created_at, cursor.id])).toString('base64url');
}

// What toISOString() writes, and the same with up to microseconds or a zone offset: years 0001-9999, which
// PostgreSQL's timestamptz holds. Date.parse alone took "1" or "+275760-09-13", and PostgreSQL refused them (a 500).
const CURSOR_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Whether text is a timestamp a cursor may carry: strict ISO 8601 as above, every field within its calendar range. */
export function isCursorTimestamp(text: string): boolean {
  const m = CURSOR_TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  const offsetOk = m[7] === undefined || (Number(m[8]) <= 15 && Number(m[9]) <= 59);
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetOk
  );
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The cursor a client sent back, or null without one; 400 validation_failed unless it holds a timestamp and a UUID. */
export function decodeCursor(raw: string | undefined): KeysetCursor | null {
  if (!raw) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [createdAt, id] = parsed as unknown[];
      if (typeof createdAt === 'string' && isCursorTimestamp(createdAt) && isUuid(id))
        return { created_at: createdAt, id };
    }
  } catch {
    // fall through to the error below
  }
  throw CommonException.validation('cursor is not valid', [{ field: 'cursor', message: 'malformed cursor' }]);
}

/** Given limit+1 rows fetched newest first, returns the page and the cursor for the next one. */
export function toPage<T extends { id: string; created_at: Date }, R>(
  rows: T[],
  limit: number,
  present: (row: T) => R,
): Page<R> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    data: pageRows.map(present),
    next_cursor: hasMore && last ? encodeCursor({ created_at: last.created_at.toISOString(), id: last.id }) : null,
  };
}
