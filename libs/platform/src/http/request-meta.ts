// What the HTTP layer tells services about the caller, for audit rows and sessions.
import type { FastifyRequest } from 'fastify';

export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export function requestMeta(req: FastifyRequest): RequestMeta {
  const ua = req.headers['user-agent'];
  return { ip: req.ip, userAgent: typeof ua === 'string' ? ua : null, requestId: req.id };
}
