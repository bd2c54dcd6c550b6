// What list endpoints' repositories share: keyset pages newest first (see toPage in @conduit/platform), a time
// window, and a joined column read beside the entities.
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

/** Rows whose column (created_at unless named) is in [since, until); either end may be open. */
export function within<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  { since, until }: { since?: Date; until?: Date },
  column = 'created_at',
): SelectQueryBuilder<T> {
  if (since) qb.andWhere(`${alias}.${column} >= :since`, { since });
  if (until) qb.andWhere(`${alias}.${column} < :until`, { until });
  return qb;
}

/** The entities, each with the text column `name` the query selects beside it (addSelect of a joined column). */
export async function withJoinedText<T extends ObjectLiteral, K extends string>(
  qb: SelectQueryBuilder<T>,
  name: K,
): Promise<(T & Record<K, string>)[]> {
  const { entities, raw } = await qb.getRawAndEntities<Partial<Record<K, string>>>();
  // One joined row per entity: raw rows line up with entities.
  return entities.map((e, i) => ({ ...e, [name]: raw[i]?.[name] ?? '' }) as T & Record<K, string>);
}
