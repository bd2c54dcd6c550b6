// One translation from any thrown thing to the DESIGN.md error body, shared by the Nest filter and Fastify's handler.
import { HttpException } from '@nestjs/common';
import { ConduitException, ErrorBody, ErrorDetail, errorBody } from '@conduit/platform';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** unexpected errors are logged with their stack; expected ones are not */
  unexpected: boolean;
}

function fromFastify(err: { statusCode?: number; code?: string; message: string }): { status: number; code: string; message: string } | null {
  const status = err.statusCode;
  if (!status || status < 400 || status >= 500) return null;
  const fcode = err.code ?? '';
  if (fcode === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'payload_too_large', message: 'Request body is too large' };
  if (fcode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, code: 'unsupported_media_type', message: 'Content-Type is not supported' };
  if (fcode.startsWith('FST_ERR_CTP') || err instanceof SyntaxError) {
    return { status: 400, code: 'invalid_json', message: 'Request body is not valid JSON' };
  }
  return { status, code: CODE_BY_STATUS[status] ?? 'bad_request', message: err.message };
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
      if (mapped) return { status: mapped.status, body: errorBody(mapped.code, mapped.message, requestId), unexpected: false };
    }
    const status = err.getStatus();
    const response = err.getResponse();
    const details: ErrorDetail[] =
      typeof response === 'object' && response !== null && 'details' in response && typeof (response as { details: unknown }).details === 'object'
        ? [{ message: 'check details', ...(response as { details: Record<string, unknown> }).details }]
        : [];
    let code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
    if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(err.message)) code = 'route_not_found';
    const message = status === 429 ? 'Too many requests; slow down' : err.message;
    return { status, body: errorBody(code, message, requestId, details), unexpected: status >= 500 && status !== 503 };
  }
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const mapped = fromFastify(err as { statusCode?: number; code?: string; message: string });
    if (mapped) return { status: mapped.status, body: errorBody(mapped.code, mapped.message, requestId), unexpected: false };
  }
  return { status: 500, body: errorBody('internal_error', 'Something went wrong on our side', requestId), unexpected: true };
}
