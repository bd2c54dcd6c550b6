// bench/publish-round-trips: what publishing costs the database, counted rather than timed. The API runs in this
// process; every message its pg clients send (one round trip each: a simple-protocol message, or an extended-protocol
// parse/bind/execute/sync) is counted, and PostgreSQL's own transaction counter read, while BENCH_PUBLISHES events go
// through `POST /api/v1/events` (group commit) and, in the same run, through the seed's `POST /api/webhooks/event`
// (the same publish in the request's transaction, as every publish ran before group commit), BENCH_IN_FLIGHT at a
// time, with an API key, one matching subscription and chains registered (the API's set-up).
// Run: node -r @swc-node/register bench/publish-round-trips.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_PUBLISHES (default 2000), BENCH_IN_FLIGHT (default 64), BENCH_POOL (default 10), BENCH_ROUTES
// (comma-separated: v1,seed; default both).
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { createApiApp } from '@conduit/api/bootstrap';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { migrateDatabase } from '@conduit/database';
import { parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { OperatorService } from '@conduit/tenants';
import { createBenchDatabase, percentile, sleep } from './support';

const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 2000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const ROUTES = (process.env.BENCH_ROUTES ?? 'v1,seed').split(',');
const PATHS: Record<string, string> = { v1: '/api/v1/events', seed: '/api/webhooks/event' };
/** An idle PostgreSQL 15 backend reports its transactions to pg_stat_database within 10 s (PGSTAT_IDLE_INTERVAL). */
const STATS_FLUSH_MS = 11_000;

// Every pg client's messages, counted where they are sent. The bench's own owner connections are not in the window.
let roundTrips = 0;
const sendQuery = Client.prototype.query;
Client.prototype.query = function (this: Client, ...args: unknown[]) {
  roundTrips += 1;
  return (sendQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof Client.prototype.query;

async function main(): Promise<void> {
  const db = await createBenchDatabase('publish_trips');
  const config = parseConfig({
    ...db.env,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
    DATABASE_POOL_SIZE: String(POOL),
  });
  await migrateDatabase(config, API_MIGRATIONS);
  const app = await createApiApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  try {
    const operator = app.get(OperatorService);
    await operator.createTenant({ code: 'bench', name: 'Bench' });
    const password = 'correct-horse-battery-staple';
    await operator.createUser({ email: 'admin@bench.test', password, tenantCode: 'bench', role: 'tenant_admin' });
    const login = await call('POST', '/api/v1/auth/login', {}, { email: 'admin@bench.test', password });
    const token = { authorization: `Bearer ${String(login.body.access_token)}` };
    const key = await call('POST', '/api/v1/api-keys', token, { name: 'bench', scopes: ['*'] });
    const apiKey = { 'x-api-key': String(key.body.key) };
    const sub = await call('POST', '/api/v1/subscriptions', token, {
      app_name: 'bench',
      target_url: 'https://sink.example.test/hook',
      event_types: ['order.created'],
    });
    if (sub.status !== 201) throw new Error(`subscription: ${sub.status} ${JSON.stringify(sub.body)}`);

    const commits = async () =>
      Number(
        (
          await db.owner(
            `SELECT pg_stat_force_next_flush(), xact_commit::bigint AS n FROM pg_stat_database WHERE datname = current_database()`,
          )
        )[0].n,
      );
    // The group commit's own count (conduit_publish_batch_events, both paths), from /metrics.
    const batches = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const read = (what: string) =>
        [...text.matchAll(new RegExp(`^conduit_publish_batch_events_${what}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce(
          (n, m) => n + Number(m[1]),
          0,
        );
      return { count: read('count'), sum: read('sum') };
    };
    const results: Record<string, unknown>[] = [];
    for (const route of ROUTES) {
      const publishOnce = async (n: number) => {
        const t0 = performance.now();
        const res = await call('POST', PATHS[route], apiKey, {
          event_name: 'order.created',
          payload: { order_id: `ord_${n}`, total: 120 },
        });
        if (res.status !== 202) throw new Error(`publish: ${res.status} ${JSON.stringify(res.body)}`);
        return performance.now() - t0;
      };
      const run = async (count: number) => {
        const latencies: number[] = [];
        let next = 0;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < count) latencies.push(await publishOnce(next++));
          }),
        );
        return latencies.sort((a, b) => a - b);
      };
      await run(Math.min(500, PUBLISHES)); // warm-up: connections, prepared statements, JIT
      await sleep(STATS_FLUSH_MS);
      const commitsBefore = await commits();
      const batchesBefore = await batches();
      const tripsBefore = roundTrips;
      const t0 = performance.now();
      const latencies = await run(PUBLISHES);
      const seconds = (performance.now() - t0) / 1000;
      const trips = roundTrips - tripsBefore;
      await sleep(STATS_FLUSH_MS);
      const committed = (await commits()) - commitsBefore - 1; // the first counter read is a transaction too
      const batchesAfter = await batches();
      const grouped = batchesAfter.count - batchesBefore.count;
      results.push({
        route: `POST ${PATHS[route]}`,
        publishes: PUBLISHES,
        in_flight: IN_FLIGHT,
        round_trips_per_publish: Number((trips / PUBLISHES).toFixed(2)),
        commits_per_publish: Number((committed / PUBLISHES).toFixed(3)),
        group_commits: grouped,
        publishes_per_group_commit: grouped
          ? Number(((batchesAfter.sum - batchesBefore.sum) / grouped).toFixed(1))
          : null,
        publishes_per_second: Math.round(PUBLISHES / seconds),
        p50_ms: Number(percentile(latencies, 50).toFixed(1)),
        p99_ms: Number(percentile(latencies, 99).toFixed(1)),
      });
    }
    console.log(JSON.stringify({ pool: POOL, results }, null, 2));
  } finally {
    await app.close();
    const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
    await deleteRedisPrefix(redis, config.REDIS_PREFIX);
    redis.disconnect();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
