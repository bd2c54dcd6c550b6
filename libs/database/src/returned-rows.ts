// The rows of a statement run through TypeORM's EntityManager.query: a SELECT answers its rows, but an UPDATE, DELETE
// or INSERT ... RETURNING answers [rows, affected]. Reading `.length` of the latter counts 2 whatever happened.
export function returnedRows<T = unknown>(result: unknown): T[] {
  const list = result as unknown[];
  return (Array.isArray(list[0]) ? list[0] : list) as T[];
}
