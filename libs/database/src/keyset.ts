// Keyset pages, newest first: how every list endpoint's repository reads a page (see toPage in @conduit/platform).
import type { KeysetCursor } from '@conduit/platform';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** A page to read: at most `limit` rows, after the cursor's row when there is one. */
export interface PageRequest {
  limit: number;
  cursor: KeysetCursor | null;
}

/**
 * Orders by (column, id) descending, continues after the cursor, and reads limit + 1 rows: toPage tells from the
 * extra one whether another page follows.
 */
export function newestFirst<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  { limit, cursor }: PageRequest,
  column = 'created_at',
): SelectQueryBuilder<T> {
  qb.orderBy(`${alias}.${column}`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .limit(limit + 1);
  if (cursor) qb.andWhere(`(${alias}.${column}, ${alias}.id) < (:ca, :cid)`, { ca: cursor.created_at, cid: cursor.id });
  return qb;
}
