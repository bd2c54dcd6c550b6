import type { ErrorDetail } from './conduit.exception';

/** The JSON error body of DESIGN.md, used by every error path (Nest filter and Fastify handler alike). */
export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
  request_id: string | null;
}

export function errorBody(
  code: string,
  message: string,
  requestId: string | null,
  details: ErrorDetail[] = [],
): ErrorBody {
  return { error: { code, message, details }, request_id: requestId };
}
