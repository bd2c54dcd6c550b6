// bench/chains: a 5-step chain (templates reading the trigger and the previous step's response) run by ONE worker
// process (apps/worker/src/main.ts) against five local receivers in this process, which answer at once and note when
// each request arrived and when they answered (performance.now(), one clock for all five).
// Per-step overhead = arrival of step k's request - the moment receiver k-1 answered: everything Conduit does
// between two steps (read the response, record it and create the next step run in one transaction, queue the next
// job, pick it up, claim it, render, sign, send), i.e. the run's time beyond the receivers' own. Step 1's overhead is
// counted from the publish of the event that started the run.
// Baseline in the same run: a client sending the same five requests back to back through the same OutboundHttpClient
// (the floor: HTTP alone).
// Prints per-step overhead p50/p90/p99 for runs one at a time (latency) and for a batch started together
// (throughput, runs/s).
// Run: node -r @swc-node/register bench/chains.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_SEQUENTIAL (runs one at a time, default 100), BENCH_BATCH (runs started together, default 500),
//        BENCH_CONCURRENCY (worker's CHAIN_STEP_CONCURRENCY, default 50), BENCH_POOL (worker's pool, default 20),
// BENCH_WORKER_NODE_ARGS (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof), BENCH_KEEP_DATABASE=1 (keep the database for
// EXPLAIN).
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { Pool } from 'pg';
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
import { cpuByGroup, cpuShare, createBenchDatabase, percentile, sleep, startWorker, stopWorker } from './support';
import { generateWebhookSecret } from '@conduit/signatures';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 100);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const POOL = Number(process.env.BENCH_POOL ?? 20);
const STEPS = 5;
const BENCH_LABEL = 'bench (publisher + receivers)';
const EVENT = 'order.placed';

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    n: sorted.length,
    p50: r(percentile(sorted, 50)),
    p90: r(percentile(sorted, 90)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted.at(-1) ?? NaN),
  };
}

interface Hit {
  arrived: number;
  answered: number;
}

/** Five receivers (one server per step); keyed by the run id the templates put in every body. */
class Receivers {
  readonly hits = new Map<string, Hit[]>();
  readonly urls: string[] = [];
  private readonly servers = Array.from({ length: STEPS }, (_, index) =>
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const arrived = performance.now();
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { run?: string };
        const answer = JSON.stringify({ ok: true, step: index + 1, token: `t${index + 1}-${body.run ?? ''}` });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
        const answered = performance.now();
        if (!body.run) return;
        const hits = this.hits.get(body.run) ?? [];
        hits[index] = { arrived, answered };
        this.hits.set(body.run, hits);
      });
    }),
  );

  async start(): Promise<void> {
    for (const server of this.servers) {
      server.keepAliveTimeout = 60_000;
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      this.urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/step`);
    }
  }

  reset(): void {
    this.hits.clear();
  }

  close(): Promise<void[]> {
    return Promise.all(
      this.servers.map((s) => {
        s.closeAllConnections();
        return new Promise<void>((r) => s.close(() => r()));
      }),
    );
  }
}

/** Per-step overheads (ms) of the runs whose start times are known. */
function overheads(
  receivers: Receivers,
  started: Map<string, number>,
): { first: number[]; between: number[]; runMs: number[]; receiversMs: number[] } {
  const first: number[] = [];
  const between: number[] = [];
  const runMs: number[] = [];
  const receiversMs: number[] = [];
  for (const [run, hits] of receivers.hits) {
    if (hits.length !== STEPS || hits.some((h) => !h)) continue;
    const start = started.get(run);
    if (start !== undefined) first.push(hits[0].arrived - start);
    for (let k = 1; k < STEPS; k++) between.push(hits[k].arrived - hits[k - 1].answered);
    runMs.push(hits[STEPS - 1].answered - hits[0].arrived);
    receiversMs.push(hits.reduce((n, h) => n + (h.answered - h.arrived), 0));
  }
  return { first, between, runMs, receiversMs };
}

async function main(): Promise<void> {
  const receivers = new Receivers();
  await receivers.start();

  const db = await createBenchDatabase('chains');
  const { env } = db;
  // As the owner, below row-level security: setup and progress counts only. One connection: a new one per poll
  // would fork a PostgreSQL backend every few milliseconds and load the machine under test.
  const ownerPool = new Pool({ connectionString: db.url, max: 4 });
  const owner = async (sql: string, params: unknown[] = []) =>
    (await ownerPool.query(sql, params)).rows as Record<string, unknown>[];
  const config = parseConfig({
    ...env,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
    DATABASE_POOL_SIZE: '20',
  });
  await migrateDatabase(config, API_MIGRATIONS);
  const publisher = await createApiApp(config, { logger: false });
  await publisher.init();
  const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
  let worker: ChildProcess | undefined;

  try {
    const tenant = await publisher.get(OperatorService).createTenant({ code: 'bench', name: 'Bench' });
    const box = publisher.get(SecretBox);
    const chainId = randomUUID();
    await owner(`INSERT INTO execution_chains (id, tenant_id, name, trigger_event) VALUES ($1, $2, 'bench', $3)`, [
      chainId,
      tenant.id,
      EVENT,
    ]);
    for (let k = 1; k <= STEPS; k++) {
      const subId = randomUUID();
      const sealed = await box.seal(tenant.id, generateWebhookSecret(), secretAad(subId));
      await owner(
        `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
         VALUES ($1, $2, $3, $4, '{chain.step}', $5, '{0}')`,
        [subId, tenant.id, `step-${k}`, receivers.urls[k - 1], sealed],
      );
      const params = {
        run: '{{run.id}}',
        order_id: '{{.trigger_data.order_id}}',
        amount: '{{trigger_data.amount}}',
        items: '{{trigger_data.items}}',
        previous: k > 1 ? `{{step_${k - 1}.response.token}}` : null,
        label: `step ${k} of order {{trigger_data.order_id}}`,
      };
      await owner(
        `INSERT INTO execution_chain_steps (id, tenant_id, chain_id, steps_version, step_order, webhook_id, name, request_params)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7)`,
        [randomUUID(), tenant.id, chainId, k, subId, `step ${k}`, JSON.stringify(params)],
      );
    }

    const events = publisher.get(EventsService);
    const started = new Map<string, number>();
    /** Publishes one event (which starts one run) and notes when, by run id. */
    const startRun = async (i: number) => {
      const at = performance.now();
      const published = await events.publishInTenant(tenant.id, {
        event_name: EVENT,
        source: 'bench',
        payload: { order_id: `ord_${i}`, amount: 99.5, items: [{ sku: 'A-1', qty: 2 }] },
      });
      const [run] = await owner(
        `SELECT id FROM execution_chain_runs WHERE tenant_id = $1 AND chain_id = $2 AND trigger_event_id = $3`,
        [tenant.id, chainId, published.id],
      );
      started.set(String(run.id), at);
    };
    const completed = async () =>
      Number((await owner(`SELECT count(*)::int AS n FROM execution_chain_runs WHERE status = 'completed'`))[0].n);
    const untilCompleted = async (n: number, timeoutMs: number) => {
      const t0 = performance.now();
      while ((await completed()) < n && performance.now() - t0 < timeoutMs) await sleep(20);
    };

    worker = startWorker({ ...env, CHAIN_STEP_CONCURRENCY: String(CONCURRENCY), DATABASE_POOL_SIZE: String(POOL) });

    // Warm-up: connections, JIT, the secret cache, template parses; then planner statistics.
    for (let i = 0; i < 20; i++) await startRun(i);
    await untilCompleted(20, 60_000);
    await owner('ANALYZE');
    let done = 20;

    // Baseline: the five requests back to back through the same client class and options, no Conduit in between.
    const client = new OutboundHttpClient(deliveryHttpOptions(config));
    receivers.reset();
    const baselineStarted = new Map<string, number>();
    for (let i = 0; i < SEQUENTIAL; i++) {
      const run = `baseline-${i}`;
      baselineStarted.set(run, performance.now());
      for (let k = 0; k < STEPS; k++) {
        const body = JSON.stringify({
          run,
          order_id: `ord_${i}`,
          amount: 99.5,
          items: [{ sku: 'A-1', qty: 2 }],
          previous: null,
          label: `step ${k}`,
        });
        await client.send({
          url: receivers.urls[k],
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      }
    }
    client.close();
    const baseline = overheads(receivers, baselineStarted);

    // Latency: one run at a time.
    receivers.reset();
    started.clear();
    const seqCpu = cpuByGroup(worker.pid, BENCH_LABEL);
    const seqStart = performance.now();
    for (let i = 0; i < SEQUENTIAL; i++) {
      await startRun(1000 + i);
      done++;
      await untilCompleted(done, 30_000);
    }
    const sequential = overheads(receivers, started);
    const sequentialCpu = cpuShare(seqCpu, cpuByGroup(worker.pid, BENCH_LABEL), (performance.now() - seqStart) / 1000);

    // Throughput: BATCH runs started together.
    receivers.reset();
    started.clear();
    const batchCpu = cpuByGroup(worker.pid, BENCH_LABEL);
    const batchStart = performance.now();
    for (let i = 0; i < BATCH; i += 25)
      await Promise.all(Array.from({ length: Math.min(25, BATCH - i) }, (_, j) => startRun(100_000 + i + j)));
    const publishedMs = performance.now() - batchStart;
    done += BATCH;
    await untilCompleted(done, 300_000);
    const batchMs = performance.now() - batchStart;
    const batch = overheads(receivers, started);
    const batchCpuShare = cpuShare(batchCpu, cpuByGroup(worker.pid, BENCH_LABEL), batchMs / 1000);

    const [{ failed }] = await owner(
      `SELECT count(*) FILTER (WHERE status <> 'completed')::int AS failed FROM execution_chain_runs`,
    );
    const report = {
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        memGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        load: loadavg().map((l) => Math.round(l * 10) / 10),
      },
      settings: {
        steps: STEPS,
        sequential: SEQUENTIAL,
        batch: BATCH,
        worker_concurrency: CONCURRENCY,
        worker_pool: POOL,
      },
      baseline_http_between_steps_ms: summary(baseline.between),
      sequential: {
        per_step_overhead_ms: summary(sequential.between),
        first_step_after_publish_ms: summary(sequential.first),
        run_ms: summary(sequential.runMs),
        receivers_own_ms_per_run: summary(sequential.receiversMs),
        cpu: sequentialCpu,
      },
      batch: {
        runs_per_second: Math.round((BATCH / (batchMs / 1000)) * 10) / 10,
        steps_per_second: Math.round(((BATCH * STEPS) / (batchMs / 1000)) * 10) / 10,
        publish_ms: Math.round(publishedMs),
        drain_ms: Math.round(batchMs),
        per_step_overhead_ms: summary(batch.between),
        run_ms: summary(batch.runMs),
        cpu: batchCpuShare,
      },
      not_completed: failed,
      target: 'per-step overhead under 5 ms at p50 (sequential)',
      target_met: summary(sequential.between).p50 < 5,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    if (worker) {
      await stopWorker(worker);
    }
    await publisher.close();
    await ownerPool.end();
    await deleteRedisPrefix(redis, env.REDIS_PREFIX);
    await redis.quit();
    await receivers.close();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
