// One translation from any thrown thing to the DESIGN.md error body, shared by the Nest filter and Fastify's handler.
import { HttpException } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import {
  DATA_EXCEPTION_CLASS,
  TenantDatabaseUnavailableError,
  TenantMovingError,
  UNIQUE_VIOLATION,
  isDatabaseUnavailable,
  isQueryTimeout,
  sqlState,
} from '@conduit/database';
import {
  CommonErrorCode,
  ConduitException,
  ErrorBody,
  ErrorDetail,
  QueueUnavailableError,
  errorBody,
} from '@conduit/platform';

const CODE_BY_STATUS: Record<number, CommonErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'service_unavailable',
};

interface FastifyRefusal {
  status: number;
  code: CommonErrorCode;
  message: string;
}

/** Fastify's own 4xx errors that reach clients, by their FST_ERR code; other ones fall back to their status. */
const FASTIFY_REFUSALS: Record<string, FastifyRefusal> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Content-Type is not supported',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_content_length',
    message: 'Request body size did not match Content-Length',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'malformed_url', message: 'The URL is not valid (malformed percent-encoding)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', message: 'A path parameter is too long' },
  FST_ERR_NOT_FOUND: { status: 404, code: 'route_not_found', message: 'No such route' },
};

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** unexpected errors are logged with their stack; expected ones are not */
  unexpected: boolean;
  /** response headers the answer needs besides the body's content type (Retry-After on a 503) */
  headers?: Record<string, string>;
}

/** Seconds a client should wait before retrying when the database is away or a query ran out of time. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
/** Seconds a client should wait before retrying what needs Redis itself (the queue board) while Redis is away. */
export const QUEUE_RETRY_AFTER_SECONDS = 5;
/** tenant:move pauses a tenant's writes for the last copy and the switch: seconds. */
export const TENANT_MOVING_RETRY_AFTER_SECONDS = 1;

function fromFastify(err: {
  statusCode?: number;
  code?: string;
  message: string;
}): { status: number; code: string; message: string; details?: ErrorDetail[] } | null {
  const status = err.statusCode;
  if (!status || status < 400 || status >= 500) return null;
  const fcode = err.code ?? '';
  if (Object.hasOwn(FASTIFY_REFUSALS, fcode)) return FASTIFY_REFUSALS[fcode];
  if (fcode.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) {
    // Where the text stops being JSON, by position only: JSON.parse's own message quotes the text around it.
    const position = err instanceof SyntaxError ? /at position (\d+)/.exec(err.message)?.[1] : undefined;
    const where = position === undefined ? 'is not JSON' : `is not JSON from position ${position}`;
    return {
      status: 400,
      code: 'invalid_json',
      message: 'Request body is not valid JSON',
      details: [{ field: 'body', code: 'invalid_json', message: `the body ${where}` }],
    };
  }
  return { status, code: CODE_BY_STATUS[status] ?? 'bad_request', message: err.message };
}

/** A 503 the caller should retry: expected (not logged as unexpected), with Retry-After. */
function unavailable(
  code: CommonErrorCode,
  message: string,
  requestId: string | null,
  retryAfterSeconds: number,
): MappedError {
  return {
    status: 503,
    body: errorBody(code, message, requestId),
    unexpected: false,
    headers: { 'retry-after': String(retryAfterSeconds) },
  };
}

export function mapError(err: unknown, requestId: string | null): MappedError {
  if (err instanceof ConduitException) {
    return { status: err.status, body: errorBody(err.code, err.message, requestId, err.details), unexpected: false };
  }
  if (err instanceof HttpException) {
    // Nest wraps Fastify's own 4xx errors (body parsing, size limits) and keeps the original as the cause.
    const cause: unknown = err.cause;
    if (typeof cause === 'object' && cause !== null && 'statusCode' in cause) {
      const mapped = fromFastify(cause as { statusCode?: number; code?: string; message: string });
      if (mapped)
        return {
          status: mapped.status,
          body: errorBody(mapped.code, mapped.message, requestId, mapped.details),
          unexpected: false,
        };
    }
    const status = err.getStatus();
    const response = err.getResponse();
    const details: ErrorDetail[] =
      typeof response === 'object' &&
      response !== null &&
      'details' in response &&
      typeof (response as { details: unknown }).details === 'object'
        ? [{ message: 'check details', ...(response as { details: Record<string, unknown> }).details }]
        : [];
    let code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
    if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(err.message))
      code = 'route_not_found';
    const message = status === 429 ? 'Too many requests; slow down' : err.message;
    return { status, body: errorBody(code, message, requestId, details), unexpected: status >= 500 && status !== 503 };
  }
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const mapped = fromFastify(err as { statusCode?: number; code?: string; message: string });
    if (mapped)
      return {
        status: mapped.status,
        body: errorBody(mapped.code, mapped.message, requestId, mapped.details),
        unexpected: false,
      };
  }
  // Redis is away and this request needed it for its answer (work is accepted without it: see RedisAvailability).
  // Checked before the database: both can fail with a refused socket, and this error says which one it was.
  if (err instanceof QueueUnavailableError) {
    return unavailable(
      'queue_unavailable',
      'The queues are not available right now; retry after the Retry-After seconds',
      requestId,
      QUEUE_RETRY_AFTER_SECONDS,
    );
  }
  // The tenant is being moved to another database (tenant:move): its writes are paused for a few seconds.
  if (err instanceof TenantMovingError) {
    return unavailable(
      'tenant_moving',
      'This tenant is being moved to another database; retry after the Retry-After seconds',
      requestId,
      TENANT_MOVING_RETRY_AFTER_SECONDS,
    );
  }
  // A dedicated tenant's own database is away: that tenant only (docs/dedicated-tenants.md).
  if (err instanceof TenantDatabaseUnavailableError) {
    return unavailable(
      'tenant_database_unavailable',
      "This tenant's database is not available right now; retry after the Retry-After seconds",
      requestId,
      err.retryAfterSeconds ?? DATABASE_RETRY_AFTER_SECONDS,
    );
  }
  // The database is away (restart, failover, network) or a statement ran past statement_timeout: the service, not the
  // request, is at fault, and the same request may succeed shortly. Logged once per outage elsewhere, not per request.
  if (isDatabaseUnavailable(err)) {
    return unavailable(
      'database_unavailable',
      'The database is not available right now; retry after the Retry-After seconds',
      requestId,
      DATABASE_RETRY_AFTER_SECONDS,
    );
  }
  if (isQueryTimeout(err)) {
    return unavailable(
      'query_timeout',
      'The request took too long in the database and was stopped; retry later or narrow it',
      requestId,
      DATABASE_RETRY_AFTER_SECONDS,
    );
  }
  // A database refusal no service anticipated. Still logged as unexpected (a service should have answered it), but
  // the caller gets what it is: a race with another write (409), or a value the database cannot take (400).
  const state = sqlState(err);
  if (state === UNIQUE_VIOLATION) {
    return {
      status: 409,
      body: errorBody('conflict', 'A conflicting record was written at the same time; try again', requestId),
      unexpected: true,
    };
  }
  if (state?.startsWith(DATA_EXCEPTION_CLASS)) {
    return {
      status: 400,
      body: errorBody(
        'invalid_input',
        'A value in the request cannot be stored (out of range or malformed)',
        requestId,
      ),
      unexpected: true,
    };
  }
  return {
    status: 500,
    body: errorBody('internal_error', 'Something went wrong on our side', requestId),
    unexpected: true,
  };
}

/**
 * Fastify's frameworkErrors option: the router refuses a malformed URL (400) or an over-long path parameter (414)
 * before any hook or handler runs, and would otherwise answer in Fastify's own error format.
 */
export function sendFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = mapError(err, request.id);
  void reply
    .code(mapped.status)
    .header('x-request-id', request.id)
    .header('content-type', 'application/json; charset=utf-8')
    .send(mapped.body);
}

/**
 * Fastify's clientErrorHandler option: a request Node's HTTP parser refuses (bad request line or header, headers too
 * large, too slow) gets the error body too, with no request id since no request was made. Then the socket closes.
 */
export function sendClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'The request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'Request headers are too large']
        : [400, 'bad_request', 'The request is not valid HTTP'];
  const body = JSON.stringify(errorBody(code, message, null));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
