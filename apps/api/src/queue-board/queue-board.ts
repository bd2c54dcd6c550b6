// The queue dashboard (bull-board) for platform admins at /admin/queues: every BullMQ queue with its jobs, and the
// usual operator actions (retry, promote, clean, pause).
//
// Mounted as a Fastify plugin inside a scope of its own whose onRequest hook authenticates every request of the
// board (its page, static files and JSON API alike), rather than through @bull-board/nestjs, which guards only
// what Nest's middleware route matching covers. A browser cannot attach a bearer token to a page load, so a
// platform admin first opens a session (POST /api/v1/queue-board/session, e.g. from Swagger UI), which puts the
// access token in an HttpOnly, SameSite=Strict cookie scoped to this path; each request is then authenticated
// exactly like an API request (signature, expiry, revocation, membership, role), so logging out ends it.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { buildAbility, scopeAllows } from '@conduit/access';
import { Authenticator } from '@conduit/auth';
import { CommonException, QueueUnavailableError, requestMeta } from '@conduit/platform';
import { RedisAvailability, RegisteredQueues } from '@conduit/queues';
import { mapError } from '../http/error-mapping';

export const QUEUE_BOARD_PATH = '/admin/queues';
export const QUEUE_BOARD_COOKIE = 'conduit_queue_board';

const READ_METHODS = new Set(['GET', 'HEAD']);

export async function mountQueueBoard(app: NestFastifyApplication): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: app
      .get(RegisteredQueues)
      .all()
      .map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Conduit queues' } },
  });
  const authenticator = app.get(Authenticator);
  const cls = app.get(ClsService);
  const redis = app.get(RedisAvailability);

  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (request, reply) => {
      let refusal = await cls.run({ ifNested: 'inherit' }, () => authorize(authenticator, request));
      // The board is Redis and nothing else: while Redis is away its every call would wait for it, so it is a 503.
      if (!refusal && redis.isDown) refusal = mapError(new QueueUnavailableError('Redis is unavailable'), request.id);
      if (refusal)
        return reply
          .code(refusal.status)
          .headers(refusal.headers ?? {})
          .header('cache-control', 'no-store')
          .send(refusal.body);
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_BOARD_PATH });
  });
}

/** null when the caller may use the board for this request; else the error to answer with. */
async function authorize(authenticator: Authenticator, request: FastifyRequest) {
  try {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const cookie = readCookie(header('cookie'), QUEUE_BOARD_COOKIE);
    const identity = await authenticator.authenticate(
      {
        authorization: header('authorization') ?? (cookie ? `Bearer ${cookie}` : undefined),
        apiKey: header('x-api-key'),
      },
      requestMeta(request),
    );
    const action = READ_METHODS.has(request.method) ? 'read' : 'update';
    const ability = buildAbility(identity.principal, identity.tenant.id);
    if (!ability.can(action, 'Queue') || !scopeAllows(identity.principal.scopes, action, 'Queue')) {
      throw CommonException.forbidden('The queue dashboard is for platform admins');
    }
    return null;
  } catch (err) {
    const mapped = mapError(err, request.id);
    if (mapped.status === 401) {
      mapped.body.error.message += `. In a browser, open a session first: POST /api/v1/queue-board/session with your bearer token`;
    }
    return mapped;
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // not percent-encoding: no session (401), never a 500
      }
    }
  }
  return undefined;
}

/** The Set-Cookie value that opens (maxAgeSeconds > 0) or ends (0) a board session. */
export function queueBoardCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${QUEUE_BOARD_COOKIE}=${maxAgeSeconds > 0 ? encodeURIComponent(token) : ''}`,
    `Path=${QUEUE_BOARD_PATH}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
