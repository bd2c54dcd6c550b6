import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '@conduit/auth';

export function requestMeta(req: FastifyRequest): RequestMeta {
  const ua = req.headers['user-agent'];
  return { ip: req.ip, userAgent: typeof ua === 'string' ? ua : null, requestId: req.id };
}
