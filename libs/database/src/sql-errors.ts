// PostgreSQL's refusals, recognised the same way everywhere: pg's own error or TypeORM's QueryFailedError around it.

export const UNIQUE_VIOLATION = '23505';
/** SQLSTATE class 22: numeric value out of range, invalid datetime, invalid text representation, untranslatable text... */
export const DATA_EXCEPTION_CLASS = '22';

/** The SQLSTATE of a failed query, or undefined when err is not one (an Error that merely has a `code` is not). */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const driver = (err as { driverError?: unknown }).driverError ?? err;
  if (typeof driver !== 'object' || driver === null) return undefined;
  const { code, severity } = driver as { code?: unknown; severity?: unknown };
  const fromPg = err.constructor.name === 'QueryFailedError' || typeof severity === 'string';
  return fromPg && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Whether err is a unique violation (of the named constraint or unique index, when given): an insert that lost a race
 * with a concurrent one, which a check-then-insert cannot see coming.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (sqlState(err) !== UNIQUE_VIOLATION) return false;
  if (constraint === undefined) return true;
  const driver = (err as { driverError?: { constraint?: unknown } }).driverError ?? (err as { constraint?: unknown });
  return driver.constraint === constraint;
}
