// Every error the API returns carries a stable code; the HTTP status is derived from the code's family.
export interface ErrorDetail {
  field?: string;
  message: string;
  [key: string]: unknown;
}

export type HttpStatusCode = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

export class ConduitException<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    readonly status: HttpStatusCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type CommonErrorCode =
  | 'validation_failed'
  | 'bad_request'
  | 'invalid_json'
  | 'invalid_content_length'
  | 'malformed_url'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'not_found'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'rate_limited'
  | 'unauthenticated'
  | 'forbidden'
  | 'internal_error'
  | 'service_unavailable'
  | 'database_unavailable'
  | 'tenant_database_unavailable'
  | 'tenant_moving'
  | 'query_timeout'
  | 'queue_unavailable';

export class CommonException extends ConduitException<CommonErrorCode> {
  static notFound(what: string): CommonException {
    return new CommonException('not_found', 404, `${what} not found`);
  }
  static forbidden(message = 'You are not allowed to do this'): CommonException {
    return new CommonException('forbidden', 403, message);
  }
  static validation(message: string, details: ErrorDetail[] = []): CommonException {
    return new CommonException('validation_failed', 400, message, details);
  }
}
