// PostgreSQL's refusals, recognised the same way everywhere: pg's own error or TypeORM's QueryFailedError around it.
import { CodedError, isConnectionFailureCode } from '@conduit/platform';

/**
 * A dedicated tenant's own database is away (docs/dedicated-tenants.md): that tenant's requests answer 503
 * tenant_database_unavailable, its jobs retry as for any database outage (isDatabaseUnavailable says yes), and the
 * core database's watch (DatabaseAvailability) does not count it: every other tenant goes on.
 */
export class TenantDatabaseUnavailableError extends CodedError<'tenant_database_unavailable'> {
  readonly code = 'tenant_database_unavailable';

  constructor(
    readonly tenantId: string,
    cause: unknown,
    /** While its reconnection backs off: the seconds left (the 503's Retry-After); else the default applies. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`the database of tenant ${tenantId} is not available`, { cause });
  }
}

export const UNIQUE_VIOLATION = '23505';
/**
 * SQLSTATE class 22: numeric value out of range, invalid datetime, invalid text representation, untranslatable text...
 */
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

/** SQLSTATEs that mean the database is not there for us right now (not that the statement was wrong). */
const UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown: the server is shutting down or terminated this connection
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '53300', // too_many_connections
]);
/** SQLSTATE class 08: connection exceptions. */
const CONNECTION_EXCEPTION_CLASS = '08';
/** pg's own wording for a connection that ended or could not be had (it raises plain Errors for these). */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /^Query read timeout/,
];

/** SQLSTATE 57014 query_canceled: statement_timeout (or a cancel request) stopped the statement. */
export const QUERY_CANCELED = '57014';

/**
 * Whether err says PostgreSQL cannot be reached or dropped the connection (restart, failover, network, pool
 * exhausted of live connections): the request may succeed when retried later, so it is a 503, not a 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if (err instanceof TenantDatabaseUnavailableError) return true;
  const state = sqlState(err);
  // 08P01 protocol_violation is in the connection class but says the client spoke wrongly: a bug, not an outage.
  if (state)
    return UNAVAILABLE_STATES.has(state) || (state.startsWith(CONNECTION_EXCEPTION_CLASS) && state !== '08P01');
  const driver = ((err as { driverError?: unknown }).driverError ?? err) as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (isConnectionFailureCode(driver.code)) return true;
  // Node's net module reports a refused dual-stack connect as an AggregateError of the per-address failures.
  if (Array.isArray(driver.errors) && driver.errors.length > 0 && driver.errors.every((e) => isDatabaseUnavailable(e)))
    return true;
  const message = typeof driver.message === 'string' ? driver.message : '';
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/** Whether err is a statement stopped by statement_timeout (or any cancel request). */
export function isQueryTimeout(err: unknown): boolean {
  return sqlState(err) === QUERY_CANCELED;
}
