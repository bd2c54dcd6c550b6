// Keyset pagination: the cursor is an opaque, url-safe encoding of the last row's (created_at, id).
import { CommonException } from '../errors';

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

export function decodeCursor(raw: string | undefined): KeysetCursor | null {
  if (!raw) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      !Number.isNaN(Date.parse(parsed[0]))
    ) {
      return { created_at: parsed[0], id: parsed[1] };
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
