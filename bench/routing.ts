// bench/routing: how fast ONE worker process (apps/worker/src/main.ts) routes a backlog of accepted inbound webhooks
// into tenant events (the `ingestion` queue). This process accepts the backlog through the real receive path
// (ReceiveService.accept: group-committed rows, routing jobs queued after commit, as the API does) while no worker
// runs, then starts a worker and times it from the first routed row to the last. The events fan out to
// BENCH_SUBSCRIPTIONS subscriptions on a local sink (a bare node:http server answering 200), which the same worker
// delivers meanwhile, as it would in production.
// Baseline, in the same run: BENCH_BASELINE_EVENTS bare EventsService.publishInTenant calls (same payload, an
// idempotency key
// each, the same subscriptions), BENCH_BASELINE_IN_FLIGHT at a time, from this process; routing does that publish
// plus reading and updating the inbound row, so the ratio tells what routing costs above publishing itself.
// Run: node -r @swc-node/register bench/routing.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_EVENTS (backlog, default 10000), BENCH_BASELINE_EVENTS (bare publishes, default 3000),
// BENCH_SUBSCRIPTIONS (default 2; 0 isolates routing),
//        BENCH_ACCEPT_IN_FLIGHT (receive calls in flight while accepting, default 200: decides the job sizes),
//        BENCH_WORKER_CONCURRENCY (worker's WORKER_CONCURRENCY, default 5 like the service; ingestion runs 4x that),
//        BENCH_POOL (worker's pool, default 10 like the service), BENCH_BASELINE_IN_FLIGHT (default 20),
//        BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"), BENCH_KEEP_DATABASE=1.
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { createApiApp } from '@conduit/api/bootstrap';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { ReceiveService } from '@conduit/ingestion';
import { parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { SecretBox } from '@conduit/secrets';
import { OperatorService } from '@conduit/tenants';
import { EventsService, secretAad } from '@conduit/webhooks';
import { cpuByGroup, cpuShare, createBenchDatabase, sleep, startBareSink, startWorker, stopWorker } from './support';
import { generateWebhookSecret } from '@conduit/signatures';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10000);
const BASELINE_EVENTS = Number(process.env.BENCH_BASELINE_EVENTS ?? 3000);
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 2);
const ACCEPT_IN_FLIGHT = Number(process.env.BENCH_ACCEPT_IN_FLIGHT ?? 200);
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 5);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const BASELINE_IN_FLIGHT = Number(process.env.BENCH_BASELINE_IN_FLIGHT ?? 20);
const WARMUP = 300;
const BENCH_LABEL = 'bench (sink)';
const EVENT = 'order.created';

/** A body like a small provider webhook; `i` makes each one distinct. */
const body = (i: number) =>
  Buffer.from(
    JSON.stringify({
      id: `evt_${i}`,
      type: EVENT,
      data: { order_id: `ord_${i}`, total: 120, currency: 'EUR', items: [{ sku: 'A-1', qty: 2 }] },
    }),
  );

/** Runs `count` calls of fn, `inFlight` at a time. */
async function inParallel(count: number, inFlight: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

async function main(): Promise<void> {
  const sink = await startBareSink();
  const db = await createBenchDatabase('routing');
  const { owner, env } = db;
  const config = parseConfig({
    ...env,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
    DATABASE_POOL_SIZE: String(Math.max(20, BASELINE_IN_FLIGHT)),
  });
  await migrateDatabase(config, API_MIGRATIONS);
  const app = await createApiApp(config, { logger: false });
  await app.init();
  const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
  const workerEnv = { ...env, WORKER_CONCURRENCY: String(WORKER_CONCURRENCY), DATABASE_POOL_SIZE: String(POOL) };
  let worker: ChildProcess | undefined;

  try {
    const tenant = await app.get(OperatorService).createTenant({ code: 'bench', name: 'Bench' });
    // A `none` source (no verification: the receive path's cheapest, so the backlog is quick to build; the event type
    // read from the body's `type`, as for most providers) and the subscriptions, created as their services would
    // (sealed secrets), as the owner.
    const sourceId = randomUUID();
    await owner(
      `INSERT INTO inbound_sources (id, tenant_id, name, provider, source_key, event_type_path) VALUES ($1, $2, 'bench', 'none', $3, '$.type')`,
      [sourceId, tenant.id, randomBytes(24).toString('base64url')],
    );
    const box = app.get(SecretBox);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const id = randomUUID();
      const sealed = await box.seal(tenant.id, generateWebhookSecret(), secretAad(id));
      await owner(
        `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, tenant.id, `sink-${i}`, sink.url, [EVENT], sealed, config.WEBHOOK_RETRY_SCHEDULE],
      );
    }

    const receive = app.get(ReceiveService);
    let accepted = 0;
    const ids: string[] = [];
    const accept = (count: number) =>
      inParallel(count, ACCEPT_IN_FLIGHT, async () => {
        const n = accepted++;
        const res = await receive.accept(
          { by: 'id', sourceId },
          {
            rawBody: body(n),
            headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${n}` },
            ip: '127.0.0.1',
          },
        );
        if (res.status !== 'accepted') throw new Error(`not accepted: ${res.status}`);
        ids.push(res.event_id);
      });
    const count = async (sql: string) => Number((await owner(sql))[0].n);
    const routedCount = () => count(`SELECT count(*)::int AS n FROM inbound_events WHERE status <> 'accepted'`);
    const undelivered = () => count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'delivered'`);
    const until = async (what: string, done: () => Promise<boolean>, timeoutMs: number) => {
      const t0 = performance.now();
      while (!(await done())) {
        if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
      }
    };

    // Warm-up: connections, JIT, caches on both sides; then planner statistics, as autovacuum would soon have them.
    worker = startWorker(workerEnv);
    await accept(WARMUP);
    await until('warm-up routed', async () => (await routedCount()) === accepted, 120_000);
    await until('warm-up delivered', async () => (await undelivered()) === 0, 120_000);
    await owner('ANALYZE');

    // Baseline: bare publishes of the same events from this process while the worker runs (it delivers them).
    const events = app.get(EventsService);
    const payload = JSON.parse(body(0).toString('utf8')) as unknown;
    const baselineStart = performance.now();
    await inParallel(BASELINE_EVENTS, BASELINE_IN_FLIGHT, (i) =>
      events.publishInTenant(tenant.id, {
        event_name: EVENT,
        source: 'inbound:bench',
        payload,
        idempotency_key: `baseline:${i}:0`,
      }),
    );
    const baselineSeconds = (performance.now() - baselineStart) / 1000;
    await until('baseline delivered', async () => (await undelivered()) === 0, 300_000);

    // The backlog: accepted while no worker runs, so the jobs wait in Redis.
    await stopWorker(worker);
    worker = undefined;
    const backlogStart = accepted;
    ids.length = 0;
    const acceptStart = performance.now();
    await accept(EVENTS);
    const acceptSeconds = (performance.now() - acceptStart) / 1000;
    const jobsQueued = await redis.llen(`${config.REDIS_PREFIX}:ingestion:wait`);
    await owner('ANALYZE');

    // Routing: a fresh worker drains the backlog; timed from the first routed row seen to the last.
    worker = startWorker(workerEnv);
    const deadline = performance.now() + 900_000;
    while ((await routedCount()) === backlogStart && performance.now() < deadline) await sleep(5);
    const firstSeen = performance.now();
    const cpuBefore = cpuByGroup(worker.pid, BENCH_LABEL);
    while ((await routedCount()) < accepted && performance.now() < deadline) await sleep(10);
    const lastSeen = performance.now();
    const cpu = cpuShare(cpuBefore, cpuByGroup(worker.pid, BENCH_LABEL), (lastSeen - firstSeen) / 1000);
    const [stamps] = await owner(
      `SELECT extract(epoch FROM max(routed_at) - min(routed_at))::float8 AS spread, count(*) FILTER (WHERE status = 'routed')::int AS routed,
              count(*) FILTER (WHERE status NOT IN ('routed'))::int AS not_routed, count(DISTINCT routed_event_id)::int AS distinct_events
         FROM inbound_events WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const [published] = await owner(
      `SELECT count(*)::int AS n, coalesce(sum(delivery_count), 0)::int AS deliveries FROM webhook_events WHERE id IN (SELECT routed_event_id FROM inbound_events WHERE id = ANY($1::uuid[]))`,
      [ids],
    );
    await until('backlog delivered', async () => (await undelivered()) === 0, 600_000);

    const routedSeconds = (lastSeen - firstSeen) / 1000;
    const routedPerSecond = Math.round(EVENTS / routedSeconds);
    const baselinePerSecond = Math.round(BASELINE_EVENTS / baselineSeconds);
    const result = {
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        memory_gib: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        load_average_1m: Number(loadavg()[0].toFixed(2)),
      },
      backlog: {
        events: EVENTS,
        subscriptions: SUBSCRIPTIONS,
        accepted_per_second: Math.round(EVENTS / acceptSeconds),
        jobs: jobsQueued,
        events_per_job: Number((EVENTS / jobsQueued).toFixed(1)),
      },
      worker: {
        processes: 1,
        worker_concurrency: WORKER_CONCURRENCY,
        ingestion_concurrency: WORKER_CONCURRENCY * 4,
        database_pool: POOL,
      },
      routing: {
        routed: stamps.routed,
        not_routed: stamps.not_routed,
        events_published: published.n,
        deliveries_created: published.deliveries,
        distinct_routed_event_ids: stamps.distinct_events,
        seconds_first_to_last_seen: Number(routedSeconds.toFixed(2)),
        routed_at_spread_seconds: Number(Number(stamps.spread).toFixed(2)),
        routed_per_second: routedPerSecond,
        cpu_of_one_core: cpu,
      },
      baseline_publish_in_tenant: {
        events: BASELINE_EVENTS,
        in_flight: BASELINE_IN_FLIGHT,
        seconds: Number(baselineSeconds.toFixed(2)),
        publishes_per_second: baselinePerSecond,
      },
      ratio_routed_to_baseline_publishes: Number((routedPerSecond / baselinePerSecond).toFixed(3)),
      deliveries_received_by_sink: sink.received(),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    if (worker) await stopWorker(worker);
    await app.close();
    await deleteRedisPrefix(redis, config.REDIS_PREFIX);
    redis.disconnect();
    await sink.close();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
