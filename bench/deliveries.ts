// bench/deliveries: events fanned out to 10 subscriptions on one local sink, delivered by ONE worker process
// (apps/worker/src/main.ts). This process publishes (EventsService.publishInTenant, the API's publish path without
// HTTP) and runs the sink: a bare node:http server answering 200 at once, which notes for every delivery the time
// since its event was created (the envelope's timestamp).
// Prints sustained deliveries/s and publish-to-delivered latency at a fixed rate and while draining a backlog, the
// sink's own requests/s through the same OutboundHttpClient in a tight loop, and the ratio.
// Run: node -r @swc-node/register bench/deliveries.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_RATES (events/s, comma-separated fixed-rate phases, default 500,50), BENCH_SECONDS (per phase, default
// 20), BENCH_BACKLOG (events, default 3000),
// BENCH_CONCURRENCY (worker's WEBHOOK_DELIVERY_CONCURRENCY, default 200 like the service), BENCH_POOL (worker's pool,
// default 20),
// BENCH_PUBLISH_IN_FLIGHT (publishes in flight, default 32; the publisher's pool grows with it; mind max_connections),
// BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"), BENCH_KEEP_DATABASE=1 (keep the database for
// EXPLAIN),
//        BENCH_EXPERIMENT_SQL (run as the owner after migrations: schema experiments such as dropping an index).
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { createApiApp } from '@conduit/api/bootstrap';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { OutboundHttpClient } from '@conduit/outbound-http';
import { parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { SecretBox } from '@conduit/secrets';
import { OperatorService } from '@conduit/tenants';
import { EventsService, secretAad } from '@conduit/webhooks';
import { deliveryHttpOptions } from '@conduit/webhooks/engine';
import {
  cpuByGroup,
  cpuShare,
  createBenchDatabase,
  machineFacts,
  percentile,
  sleep,
  startWorker,
  stopWorker,
} from './support';
import { generateWebhookSecret } from '@conduit/signatures';

const RATES = (process.env.BENCH_RATES ?? '500,50')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const POOL = Number(process.env.BENCH_POOL ?? 20);
// Publishes in flight at once, as an API process with its own pool would have.
const PUBLISH_IN_FLIGHT = Number(process.env.BENCH_PUBLISH_IN_FLIGHT ?? 32);
const SUBSCRIPTIONS = 10;
const BENCH_LABEL = 'bench (publisher + sink)';
const EVENT = 'order.created';
const PAYLOAD = { order_id: 'ord_123', total: 120, currency: 'EUR', items: [{ sku: 'A-1', qty: 2 }] };

class Sink {
  received = 0;
  firstAt = 0;
  lastAt = 0;
  latencies: number[] = [];
  url = '';
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
      const now = Date.now();
      this.received++;
      this.firstAt ||= now;
      this.lastAt = now;
      if (req.headers['x-bench'] === 'baseline') return;
      const ts = /"timestamp":"([^"]+)"/.exec(Buffer.concat(chunks).toString('utf8'))?.[1];
      if (ts) this.latencies.push(now - Date.parse(ts));
    });
  });

  async start(): Promise<void> {
    this.server.keepAliveTimeout = 60_000;
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  reset(): void {
    this.received = 0;
    this.firstAt = 0;
    this.lastAt = 0;
    this.latencies = [];
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function latencySummary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

async function main(): Promise<void> {
  const sink = new Sink();
  await sink.start();

  const db = await createBenchDatabase('deliveries');
  const { owner, env } = db;
  const config = parseConfig({
    ...env,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
    DATABASE_POOL_SIZE: String(Math.max(20, PUBLISH_IN_FLIGHT)),
  });
  await migrateDatabase(config, API_MIGRATIONS);
  if (process.env.BENCH_EXPERIMENT_SQL) await owner(process.env.BENCH_EXPERIMENT_SQL);
  const publisher = await createApiApp(config, { logger: false });
  await publisher.init();
  const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
  let worker: ChildProcess | undefined;
  const workerEnv = { ...env, WEBHOOK_DELIVERY_CONCURRENCY: String(CONCURRENCY), DATABASE_POOL_SIZE: String(POOL) };

  let publish: () => Promise<unknown> = async () => undefined;
  let untilDelivered: (timeoutMs: number) => Promise<void> = async () => undefined;

  /**
   * Publishes `rate` events/s for SECONDS (on a clock: a late tick catches up), then waits for the backlog to drain.
   */
  async function fixedRate(rate: number) {
    if (!worker) throw new Error('no worker');
    sink.reset();
    const publishLatencies: number[] = [];
    let published = 0;
    let publishErrors = 0;
    let skipped = 0;
    const inflight = new Set<Promise<void>>();
    const cpuBefore = cpuByGroup(worker.pid, BENCH_LABEL);
    const start = performance.now();
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed >= SECONDS * 1000) break;
      const due = Math.floor((elapsed / 1000) * rate);
      while (published + skipped < due) {
        // A publisher that cannot keep the rate drops the excess (reported) rather than queueing without bound.
        if (inflight.size >= PUBLISH_IN_FLIGHT) {
          skipped++;
          continue;
        }
        const t0 = performance.now();
        const p: Promise<void> = publish()
          .then(() => void publishLatencies.push(performance.now() - t0))
          .catch(() => void publishErrors++)
          .finally(() => inflight.delete(p));
        inflight.add(p);
        published++;
      }
      await sleep(2);
    }
    const publishSeconds = (performance.now() - start) / 1000;
    const receivedDuring = sink.received;
    const cpu = cpuShare(cpuBefore, cpuByGroup(worker.pid, BENCH_LABEL), publishSeconds);
    await Promise.all(inflight);
    const drainStart = performance.now();
    await untilDelivered(120_000);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const pubSorted = publishLatencies.sort((a, b) => a - b);
    return {
      events_per_second_offered: rate,
      events_per_second_published: Math.round(published / publishSeconds),
      events_not_published_publisher_saturated: skipped,
      publish_errors: publishErrors,
      publish_call_ms: {
        p50: Number(percentile(pubSorted, 50).toFixed(1)),
        p99: Number(percentile(pubSorted, 99).toFixed(1)),
      },
      deliveries_per_second_offered: Math.round((published / publishSeconds) * SUBSCRIPTIONS),
      deliveries_per_second_during_publishing: Math.round(receivedDuring / publishSeconds),
      drain_seconds_after_publishing: Number(drainSeconds.toFixed(2)),
      deliveries: sink.latencies.length,
      publish_to_delivered_ms: latencySummary(sink.latencies),
      cpu_while_publishing_of_one_core: cpu,
    };
  }

  try {
    // Ten subscriptions of one tenant on the sink, created as SubscriptionsService would (sealed secrets).
    const tenant = await publisher.get(OperatorService).createTenant({ code: 'bench', name: 'Bench' });
    const box = publisher.get(SecretBox);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const id = randomUUID();
      const sealed = await box.seal(tenant.id, generateWebhookSecret(), secretAad(id));
      await owner(
        `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, tenant.id, `sink-${i}`, sink.url, [EVENT], sealed, config.WEBHOOK_RETRY_SCHEDULE],
      );
    }
    const events = publisher.get(EventsService);
    publish = () => events.publishInTenant(tenant.id, { event_name: EVENT, source: 'bench', payload: PAYLOAD });
    const undelivered = async () =>
      Number((await owner(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'delivered'`))[0].n);
    untilDelivered = async (timeoutMs: number) => {
      const t0 = performance.now();
      while ((await undelivered()) > 0 && performance.now() - t0 < timeoutMs) await sleep(50);
    };

    worker = startWorker(workerEnv);
    // Warm-up: connections, JIT, the secret cache; then planner statistics, as autovacuum would soon have them.
    for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, publish));
    await untilDelivered(60_000);
    await owner('ANALYZE');

    // Baseline: the sink hit directly by the same client class and options, as many in flight as the worker runs.
    const client = new OutboundHttpClient(deliveryHttpOptions(config));
    const body = JSON.stringify({ type: EVENT, timestamp: new Date().toISOString(), data: PAYLOAD });
    sink.reset();
    const baselineStart = performance.now();
    const baselineEnd = baselineStart + 5000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < baselineEnd)
          await client.send({
            url: sink.url,
            headers: { 'content-type': 'application/json', 'x-bench': 'baseline' },
            body,
          });
      }),
    );
    const baselineRps = Math.round(sink.received / ((performance.now() - baselineStart) / 1000));
    client.close();

    // Fixed rates: each RATE events/s (RATE x 10 deliveries/s offered) for SECONDS.
    const fixedRates = [];
    for (const rate of RATES) fixedRates.push(await fixedRate(rate));

    // Saturation: a backlog written while no worker runs, then drained by a fresh worker as fast as it goes
    // (timed from its first delivery to its last).
    await stopWorker(worker);
    worker = undefined;
    for (let i = 0; i < BACKLOG; i += PUBLISH_IN_FLIGHT)
      await Promise.all(Array.from({ length: Math.min(PUBLISH_IN_FLIGHT, BACKLOG - i) }, publish));
    await owner('ANALYZE');
    sink.reset();
    worker = startWorker(workerEnv);
    const total = BACKLOG * SUBSCRIPTIONS;
    const satDeadline = performance.now() + 600_000;
    while (sink.received === 0 && performance.now() < satDeadline) await sleep(5);
    const satCpuBefore = cpuByGroup(worker.pid, BENCH_LABEL);
    const satCpuStart = performance.now();
    while (sink.received < total && performance.now() < satDeadline) await sleep(20);
    const satCpu = cpuShare(
      satCpuBefore,
      cpuByGroup(worker.pid, BENCH_LABEL),
      (performance.now() - satCpuStart) / 1000,
    );
    const satSeconds = (sink.lastAt - sink.firstAt) / 1000;
    const saturation = {
      backlog_deliveries: total,
      delivered: sink.received,
      seconds_first_to_last: Number(satSeconds.toFixed(2)),
      deliveries_per_second: Math.round(sink.received / satSeconds),
      cpu_of_one_core: satCpu,
    };

    // How many updates of the delivery rows were HOT (no new index entries): claims should be.
    const [updates] = await owner(
      `SELECT n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot_updates FROM pg_stat_user_tables WHERE relname = 'webhook_deliveries'`,
    );
    const result = {
      machine: machineFacts(),
      subscriptions: SUBSCRIPTIONS,
      worker: { processes: 1, concurrency: CONCURRENCY, database_pool: POOL },
      baseline_outbound_client_to_sink_rps: baselineRps,
      fixed_rate: fixedRates,
      saturation,
      ratio_saturation_to_baseline: Number((saturation.deliveries_per_second / baselineRps).toFixed(3)),
      delivery_row_updates: updates,
      target: { deliveries_per_second_at_least: 3000, p50_ms_below_at_500_events_per_second: 15 },
      target_met: {
        throughput: saturation.deliveries_per_second >= 3000,
        p50_at_500_events_per_second: fixedRates.some(
          (f) =>
            f.events_per_second_offered >= 500 &&
            f.events_not_published_publisher_saturated === 0 &&
            f.publish_to_delivered_ms.p50 < 15,
        ),
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    if (worker) await stopWorker(worker);
    await publisher.close();
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
