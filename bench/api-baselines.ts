// bench/api-baselines: the baselines of bench/api.ts in one process of their own (bench/api.ts starts it): a bare
// Fastify route with no database, and bare database routes, Fastify plus a `pg` Pool of the API's size connected as
// the API's runtime role (row-level security applies), each doing the least database work the Conduit route it is
// compared with needs, written plainly: extended protocol with parameters, one client checkout per request.
// Prints {"port": n} on stdout once it listens; SIGTERM closes it.
// Environment: DATABASE_URL (the runtime role's), POOL_SIZE, TENANT_ID, USER_ID, SUBSCRIPTION_ID (the one matching
// the published event type), SOURCE_ID (the baseline's own inbound source).
import { randomBytes } from 'node:crypto';
import Fastify, { FastifyInstance } from 'fastify';
import { Pool, PoolClient } from 'pg';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const TENANT_ID = env('TENANT_ID');
const USER_ID = env('USER_ID');
const SUBSCRIPTION_ID = env('SUBSCRIPTION_ID');
const SOURCE_ID = env('SOURCE_ID');
/** The `source` of the baseline's events, so bench/api.ts can count them apart from Conduit's. */
const EVENT_SOURCE = env('EVENT_SOURCE');

const pool = new Pool({ connectionString: env('DATABASE_URL'), max: Number(env('POOL_SIZE')) });

/** UUIDv7 like Conduit's ids (time-ordered, so primary-key inserts land at the right edge of the index). */
function uuidv7(): string {
  const b = randomBytes(16);
  b.writeUIntBE(Date.now(), 0, 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** BEGIN; the tenant for row-level security; fn; COMMIT. One pooled client for the whole request. */
async function inTenant<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [TENANT_ID]);
    const result = await fn(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    // Not knowing what state the connection is in, the pool gets rid of it.
    client.release(err as Error);
    throw err;
  }
}

function routes(app: FastifyInstance): void {
  // The framework floor: no database.
  app.get('/bare', async () => ({ status: 'ok' }));

  // GET /api/v1/auth/me: the caller's user row with its membership in the tenant.
  app.get('/read', async () => {
    const rows = await inTenant(
      async (c) =>
        (
          await c.query(
            `SELECT u.id, u.email, u.display_name, u.status, m.role
               FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.tenant_id = $1 AND m.user_id = $2`,
            [TENANT_ID, USER_ID],
          )
        ).rows,
    );
    return { user: rows[0], tenant_id: TENANT_ID };
  });

  // GET /api/v1/subscriptions?limit=50: the newest 50 along the keyset index (51 read to know if a next page exists).
  app.get('/list', async () => {
    const rows = await inTenant(
      async (c) =>
        (
          await c.query(
            `SELECT id, tenant_id, app_name, description, target_url, event_types, filter, type, payload_format,
                    header_names, retry_schedule, rate_limit_per_second, is_active, disabled_reason, circuit_state,
                    consecutive_failures, previous_secret_expires_at, created_at, updated_at
               FROM webhook_subscriptions
              WHERE tenant_id = $1 AND deleted_at IS NULL
              ORDER BY created_at DESC, id DESC
              LIMIT 51`,
            [TENANT_ID],
          )
        ).rows,
    );
    const page = rows.slice(0, 50);
    return { data: page, next_cursor: rows.length > 50 ? String(page[49].id) : null };
  });

  // POST /api/v1/events: the event and its one delivery (the subscription known in advance), one statement.
  app.post<{ Body: { event_name: string; payload: unknown } }>('/publish', async (req, reply) => {
    const id = uuidv7();
    const now = new Date();
    await inTenant((c) =>
      c.query(
        `WITH e AS (
           INSERT INTO webhook_events (id, tenant_id, event_name, source, payload, delivery_count, created_at)
           VALUES ($1, $2, $3, $4, $5, 1, $6)
         )
         INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, status, next_attempt_at, created_at, updated_at)
         VALUES ($7, $2, $1, $8, 'pending', $6, $6, $6)`,
        [
          id,
          TENANT_ID,
          req.body.event_name,
          EVENT_SOURCE,
          JSON.stringify(req.body.payload),
          now,
          uuidv7(),
          SUBSCRIPTION_ID,
        ],
      ),
    );
    return reply.code(202).send({ id, status: 'queued', deliveries: 1, created_at: now.toISOString() });
  });

  // The receive path: the raw body stored durably, one statement; set_config travels in it (its subquery runs before
  // the row is checked against the policy), so it is one round trip in one implicit transaction.
  app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    raw.post<{ Body: Buffer }>('/receive', async (req, reply) => {
      const id = uuidv7();
      await pool.query(
        `INSERT INTO inbound_events (id, tenant_id, source_id, provider, event_type, content_type, raw_body, headers, source_ip, payload_size)
         SELECT $1, t.id::uuid, $3, 'hmac', $4, $5, $6, $7, $8, $9
           FROM (SELECT set_config('app.tenant_id', $2, true) AS id) t`,
        [
          id,
          TENANT_ID,
          SOURCE_ID,
          req.headers['x-loki-event'] ?? null,
          req.headers['content-type'] ?? null,
          req.body,
          JSON.stringify({ 'content-type': req.headers['content-type'] }),
          req.ip,
          req.body.length,
        ],
      );
      return reply.code(202).send({ event_id: id, status: 'accepted' });
    });
  });
}

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  routes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ port: (app.server.address() as { port: number }).port })}\n`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
