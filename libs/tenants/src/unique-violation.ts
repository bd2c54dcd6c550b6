/**
 * Whether err is PostgreSQL's unique violation (23505) of the named constraint or unique index: the insert lost a
 * race with a concurrent one that a check-then-insert cannot see coming.
 */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const driver = (err as { driverError?: unknown }).driverError ?? err;
  if (typeof driver !== 'object' || driver === null) return false;
  const { code, constraint: name } = driver as { code?: unknown; constraint?: unknown };
  return code === '23505' && name === constraint;
}
