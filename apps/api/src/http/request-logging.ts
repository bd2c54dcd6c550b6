// One log line per request of Nest's routes, written when the response has gone (or the client went away), as
// pino-http wrote it: the request (id, method and the URL with credentials masked), the status and the response time,
// at error level for a 5xx. Probes and scrapes (/health/live, /metrics) are not logged.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { loggedUrl } from './logging';

const QUIET = new Set(['/health/live', '/metrics']);

export function logRequests(fastify: FastifyInstance, logger: () => Logger | undefined): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const log = logger();
    if (log && !QUIET.has(request.url)) {
      const line = {
        req: { id: request.id, method: request.method, url: loggedUrl(request.url) },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime),
      };
      if (reply.statusCode >= 500) log.error(line, 'request errored');
      else log.info(line, 'request completed');
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    logger()?.info({ req: { id: request.id, method: request.method, url: loggedUrl(request.url) } }, 'request aborted');
    done();
  });
}
