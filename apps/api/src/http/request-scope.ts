// Each request of Nest's routes runs in its own CLS context, entered by the HTTP server's request listener, before
// Fastify sees the request: the identity, the transaction and the request (whose id log lines carry) live there. It
// replaces the CLS and pino-http middleware, which Nest mounts through @fastify/middie: a second router and a
// middleware chain run on every request, for what one AsyncLocalStorage.run does.
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClsServiceManager } from 'nestjs-cls';
import type { RequestTransaction, RouteTransaction } from './request-transaction';

/**
 * Where a request's Fastify request and its app's RequestTransaction sit in its CLS context (set by bootstrap's
 * onRequest hook). The wrapped handlers are the controllers' prototypes', shared by every app of the process (tests
 * run several): each request finds its own app's transaction here.
 */
export const REQUEST_SCOPE = 'conduit_requestScope'; // no dot: nestjs-cls reads one as a path

export interface RequestScope {
  request: FastifyRequest;
  transaction: RequestTransaction;
  /** The route, once the guards let the request through (PoliciesGuard, the last of them, says so). */
  route?: RouteTransaction;
  /** Whether the wrapped handler ran: if not, what failed came between the guards and it (validation). */
  ran?: boolean;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Wraps Nest's request listener: each request in a CLS context of its own. */
export function inRequestScope(nest: Listener): Listener {
  return (req, res) => ClsServiceManager.getClsService().run(() => nest(req, res));
}

/** The scope of the request this runs in, if any. */
export function currentRequestScope(): RequestScope | undefined {
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? cls.get<RequestScope | undefined>(REQUEST_SCOPE) : undefined;
}

/** The request id of the context this runs in, if any (pino's mixin: every log line of a request carries it). */
export function currentRequestId(): string | undefined {
  return currentRequestScope()?.request.id;
}
