// Each request of Nest's routes runs in its own CLS context, entered by the HTTP server's request listener, before
// Fastify sees the request: the identity, the transaction and the request id of log lines live there. It replaces the
// CLS and pino-http middleware, which Nest mounts through @fastify/middie: a second router and a middleware chain run
// on every request, for what one AsyncLocalStorage.run does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClsServiceManager } from 'nestjs-cls';

/** Where the request id sits in a request's CLS context. */
export const REQUEST_ID = 'conduit.requestId';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps Nest's request listener. `requestId` must be the function Fastify is given as genReqId: it names the request
 * once (on req.id), so Fastify's own call returns the same id.
 */
export function inRequestScope(requestId: (req: IncomingMessage) => string) {
  return (nest: Listener): Listener =>
    (req, res) => {
      const cls = ClsServiceManager.getClsService();
      cls.run(() => {
        cls.set(REQUEST_ID, requestId(req));
        nest(req, res);
      });
    };
}

/** The request id of the context this runs in, if any (pino's mixin: every log line of a request carries it). */
export function currentRequestId(): string | undefined {
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? cls.get<string | undefined>(REQUEST_ID) : undefined;
}
