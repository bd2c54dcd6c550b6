// Public receive endpoints, served by a Fastify instance of their own that shares the API's HTTP server.
//
// This is the hot path of webhooks in, and it needs none of what the rest of the API runs per request: the
// source's verification is the authentication (no guards, no throttler), the body is kept as the raw bytes
// received (no JSON parser, no validation pipe), and it writes through its own group commit (no request
// transaction). Nest's middleware layer (CLS context, request logging through @fastify/middie), its guard and
// interceptor chain and helmet cost more than the ingest work itself, so POSTs to these paths are handed to this
// small instance by the server's request listener before Nest sees them. They keep the request id, the HTTP
// metrics, the error body and a log line of their own. See docs/ingestion.md.
import { Logger } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { DatabaseAvailability } from '@conduit/database';
import { ReceiveService, ReceiveTarget, ReceivedRequest } from '@conduit/ingestion';
import { ConduitConfig, errorBody, uuidv7 } from '@conduit/platform';
import { mapError, sendFrameworkError } from '../http/error-mapping';
import { loggableError } from '../http/loggable-error';
import type { HttpMetrics } from '../metrics/http-metrics';

interface ReceiveRoute {
  /** Fastify form, also used for the OpenAPI document (with {braces}). */
  path: string;
  operationId: string;
  status: 200 | 202;
  summary: string;
  target: (params: Record<string, string>) => ReceiveTarget;
}

export const RECEIVE_ROUTES: readonly ReceiveRoute[] = [
  {
    path: '/api/webhooks/receive/:id',
    operationId: 'receive_id',
    status: 202,
    summary: 'Receive a webhook for a source (seed path); verified per the source, stored as received, 202',
    target: (p) => ({ by: 'id', sourceId: p.id }),
  },
  {
    path: '/api/v1/webhook/:provider/:sourceKey',
    operationId: 'receive_key',
    status: 200,
    summary: "Receive a provider's webhook (Firefly path) with the source's unguessable key; 200",
    target: (p) => ({ by: 'key', provider: p.provider, sourceKey: p.sourceKey }),
  },
  {
    path: '/api/v1/webhook/:provider',
    operationId: 'receive_default',
    status: 200,
    summary:
      'Receive for the deployment default tenant (INGEST_DEFAULT_TENANT): the source named after the provider; 200',
    target: (p) => ({ by: 'default', provider: p.provider }),
  },
];

const RECEIVE_PREFIXES = ['/api/webhooks/receive/', '/api/v1/webhook/'];

/** Whether a request goes to the receive instance (any other method on these paths gets Nest's 404 as before). */
export function isReceiveRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return req.method === 'POST' && RECEIVE_PREFIXES.some((prefix) => url.startsWith(prefix));
}

/** ReceiveResponse as JSON Schema: Fastify compiles it into a serializer (faster than JSON.stringify). */
const RECEIVE_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['event_id', 'status', 'message', 'received_at', 'metadata'],
  properties: {
    event_id: { type: 'string' },
    status: { type: 'string' },
    message: { type: 'string' },
    received_at: { type: 'string' },
    metadata: {
      type: 'object',
      required: ['destination', 'source_ip', 'payload_size', 'header_count'],
      properties: {
        destination: { type: 'string' },
        source_ip: { type: 'string' },
        payload_size: { type: 'integer' },
        header_count: { type: 'integer' },
      },
    },
  },
} as const;

function flatHeaders(raw: IncomingHttpHeaders): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const name in raw) {
    const value = raw[name];
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function received(req: FastifyRequest): ReceivedRequest {
  return {
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    headers: flatHeaders(req.headers),
    ip: req.ip,
  };
}

export interface ReceiveServerDeps {
  receive: ReceiveService;
  metrics: HttpMetrics;
  genReqId: (raw: IncomingMessage) => string;
  database: DatabaseAvailability;
}

/** The receive routes on a Fastify instance that is never listened on: the API's server hands it requests. */
export async function createReceiveServer(config: ConduitConfig, deps: ReceiveServerDeps): Promise<FastifyInstance> {
  const logger = new Logger('receive');
  const fastify = Fastify({
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    genReqId: deps.genReqId,
    // An over-long source key or a malformed URL is refused by the router, before any hook: in the error body too.
    frameworkErrors: sendFrameworkError,
  });

  const fail = (err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const mapped = mapError(err, req.id);
    // A database outage is logged once, when it starts (metrics still count its 503s), not with each refusal.
    const outage = deps.database.notice(err);
    if (mapped.unexpected) logger.error({ err: loggableError(err), request_id: req.id }, 'unhandled error');
    // The route pattern, not the URL: a source's key in the path is a credential and stays out of the logs.
    else if (!outage)
      logger.log(
        {
          request_id: req.id,
          route: req.routeOptions.url ?? 'unmatched',
          status: mapped.status,
          code: mapped.body.error.code,
        },
        'webhook refused',
      );
    return reply
      .code(mapped.status)
      .headers(mapped.headers ?? {})
      .header('content-type', 'application/json; charset=utf-8')
      .send(mapped.body);
  };

  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    deps.metrics.observe(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // Any content type, as bytes: signatures are verified over exactly what was sent, and the body is stored as is.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  fastify.setErrorHandler((err, req, reply) => fail(err, req, reply));
  fastify.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody('route_not_found', `Cannot ${req.method} ${req.url.split('?')[0]}`, req.id)),
  );
  for (const route of RECEIVE_ROUTES) {
    fastify.post(
      route.path,
      { schema: { response: { [route.status]: RECEIVE_RESPONSE_SCHEMA } } },
      async (req, reply) => {
        try {
          const result = await deps.receive.accept(route.target(req.params as Record<string, string>), received(req));
          logger.log(
            {
              request_id: req.id,
              source: result.metadata.destination,
              event_id: result.event_id,
              status: result.status,
            },
            'webhook received',
          );
          return reply.code(route.status).send(result);
        } catch (err) {
          return fail(err, req, reply);
        }
      },
    );
  }
  await fastify.ready();
  return fastify;
}

/** Routes each request of the API's server to the receive instance or to Nest's, once both are ready. */
export class ReceiveFrontDoor {
  private receiver: FastifyInstance | null = null;
  private closing = false;

  attach(receiver: FastifyInstance): void {
    this.receiver = receiver;
  }

  /**
   * From the start of shutdown, every new request gets 503 service_unavailable with Retry-After and
   * `Connection: close` (providers and clients retry later, load balancers see readiness fail) while the in-flight
   * ones finish: nothing new is accepted into a process about to close its database pool and queues. Nest's routes
   * would otherwise keep answering until its HTTP server closes, which comes after the modules' destroy hooks.
   */
  close(): void {
    this.closing = true;
  }

  listener(
    nest: (req: IncomingMessage, res: ServerResponse) => void,
  ): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      if (this.closing) return refuseWhileClosing(req, res);
      if (this.receiver && isReceiveRequest(req)) return this.receiver.routing(req, res);
      return nest(req, res);
    };
  }
}

function refuseWhileClosing(req: IncomingMessage, res: ServerResponse): void {
  const incoming = req.headers['x-request-id'];
  // Like every other response: the caller's well-formed X-Request-Id, else a new one, in the body and the header.
  const requestId = typeof incoming === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(incoming) ? incoming : uuidv7();
  const body = JSON.stringify(errorBody('service_unavailable', 'Shutting down; retry shortly', requestId));
  res.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    connection: 'close',
    'retry-after': '5',
    'x-request-id': requestId,
  });
  res.end(body);
  // The request's body is not read: drop it rather than keep the socket for it.
  req.resume();
}

/**
 * Tells the front door when Nest starts to shut down (the adapter's beforeClose is the first step of app.close()).
 * Wrapped on the instance rather than subclassed: nestjs-cls recognises Fastify by the adapter's class name.
 */
export function closeWithAdapter(adapter: FastifyAdapter, frontDoor: ReceiveFrontDoor): void {
  const beforeClose = adapter.beforeClose.bind(adapter);
  adapter.beforeClose = () => {
    frontDoor.close();
    beforeClose();
  };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (invalid_json: a JSON content type whose body does not parse; invalid_content_length; malformed_url)',
  401: 'Verification failed (signature_missing, signature_invalid, timestamp_out_of_tolerance, token_invalid, ...)',
  403: 'The sender address is not in the source allowed ranges (ip_not_allowed)',
  404: 'No active source here (source_not_found), or no such receive route (route_not_found)',
  413: "Body exceeds the source's limit or the server's BODY_LIMIT_BYTES (payload_too_large)",
  414: 'A path parameter (source id or key) is longer than 100 characters (uri_too_long)',
  415:
    'Body not readable as declared: a Content-Encoding other than identity (unsupported_content_encoding), JSON in a charset ' +
    'other than UTF-8 (unsupported_charset), or a Content-Type that does not parse (unsupported_media_type)',
  503: 'Shutting down; retry after the Retry-After seconds (service_unavailable)',
};

/** The OpenAPI operations of these routes (Nest's document only sees controllers). */
export function receiveOpenApiPaths(): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorRef = { $ref: '#/components/schemas/ErrorResponseDto' };
  const anyBody = { type: 'string', format: 'binary' };
  for (const route of RECEIVE_ROUTES) {
    const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[openApiPath] = {
      post: {
        operationId: route.operationId,
        tags: ['webhooks in (receive)'],
        summary: route.summary,
        security: [],
        parameters,
        requestBody: {
          required: false,
          description: 'The provider request exactly as sent (JSON, form, XML or text); verified over these bytes',
          content: {
            'application/json': { schema: { type: 'object', additionalProperties: true } },
            'application/x-www-form-urlencoded': { schema: anyBody },
            'application/xml': { schema: anyBody },
            'text/plain': { schema: anyBody },
          },
        },
        responses: {
          [route.status]: {
            description:
              'Accepted (status accepted), or a repeat of an earlier delivery id (status duplicate, the first event id)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ReceiveResponse' } } },
          },
          ...Object.fromEntries(
            Object.entries(ERROR_DESCRIPTIONS).map(([status, description]) => [
              status,
              { description, content: { 'application/json': { schema: errorRef } } },
            ]),
          ),
        },
      },
    };
  }
  return paths;
}
