// One log line per request of Nest's routes, written when the response has gone (or the client went away), as
// pino-http wrote it: the request (id, method and the URL with credentials masked), the status and the response time,
// at error level for a 5xx. Probes and scrapes (/health/live, /metrics) are not logged.
//
// The lines go to the root logger's stream and follow its level, through a logger of their own without redaction:
// they carry nothing but the fields below (the URL is masked by loggedUrl), and pino's redaction copied each line to
// look for the redacted paths, the largest allocation of a request.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino, { Logger } from 'pino';
import { loggedUrl } from './logging';

const QUIET = new Set(['/health/live', '/metrics']);

function requestFields(request: FastifyRequest) {
  return { request_id: request.id, req: { id: request.id, method: request.method, url: loggedUrl(request.url) } };
}

export function logRequests(fastify: FastifyInstance, name: string, root: () => Logger | undefined): void {
  let lines: { root: Logger; logger: Logger } | undefined;
  const logger = (): { root: Logger; logger: Logger } | undefined => {
    const current = root();
    if (!current) return undefined;
    if (lines?.root !== current) {
      const stream = (current as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
      lines = { root: current, logger: pino({ name, level: 'trace' }, stream) };
    }
    return lines;
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    const log = logger();
    if (log && !QUIET.has(request.url)) {
      const level = reply.statusCode >= 500 ? 'error' : 'info';
      if (log.root.isLevelEnabled(level)) {
        const line = {
          ...requestFields(request),
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime),
        };
        if (level === 'error') log.logger.error(line, 'request errored');
        else log.logger.info(line, 'request completed');
      }
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    const log = logger();
    if (log?.root.isLevelEnabled('info')) log.logger.info(requestFields(request), 'request aborted');
    done();
  });
}
