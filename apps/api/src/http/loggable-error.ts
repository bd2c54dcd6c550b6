// What of an unexpected error goes into a log line. Never the error object itself: pino would serialise every
// enumerable property, and a TypeORM QueryFailedError carries the statement's parameters (an INSERT's password
// hash, a new source key, sealed secrets). Kept: class, message, PostgreSQL's code, constraint and table, the
// statement text (placeholders only, no values), and the stack.
export interface LoggableError {
  type: string;
  message: string;
  code?: string;
  constraint?: string;
  table?: string;
  query?: string;
  stack?: string;
}

const MAX_QUERY_CHARS = 500;

export function loggableError(err: unknown): LoggableError {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err).slice(0, 500) };
  const driver =
    (err as { driverError?: Record<string, unknown> }).driverError ?? (err as unknown as Record<string, unknown>);
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const query = text((err as { query?: unknown }).query);
  return {
    type: err.constructor.name,
    message: err.message,
    ...(text(driver.code) && { code: text(driver.code) }),
    ...(text(driver.constraint) && { constraint: text(driver.constraint) }),
    ...(text(driver.table) && { table: text(driver.table) }),
    ...(query && { query: query.length > MAX_QUERY_CHARS ? `${query.slice(0, MAX_QUERY_CHARS)}…` : query }),
    ...(err.stack && { stack: err.stack }),
  };
}
