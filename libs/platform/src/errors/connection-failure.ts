// Socket-level failures of reaching or keeping a connection to a service (PostgreSQL, Redis): the service is away,
// not the request wrong. One list, so the database and the queues classify the same errors alike.
const CONNECTION_FAILURE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Whether `code` (a Node error's errno code) says the connection could not be made or was lost. */
export function isConnectionFailureCode(code: unknown): boolean {
  return typeof code === 'string' && CONNECTION_FAILURE_ERRNOS.has(code);
}
