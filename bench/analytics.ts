// bench/analytics: GET /api/v1/analytics/deliveries and /chains with 1,000,000 deliveries (and their attempts) and
// 1,000,000 chain runs (and their step runs) in one tenant, spread over 30 days (the default retention), plus a
// tenth as much in a second tenant. Seeded as the owner with generate_series (test/support/analytics-seed.ts), then
// VACUUM ANALYZE (what autovacuum leaves on rows that old); then the real worker (apps/worker/src/main.ts) in its own
// process rolls the hours up (its backfill time is reported) and is stopped.
// Conduit: the real API (apps/api/src/main.ts) in its own process, asked over HTTP by this process, per window
// (1 h, the default 24 h, 7 d, 30 d; one subscription or chain over 24 h).
// Baseline in the same run, same API: the same requests with the rollups set aside (no analytics_rollup_progress
// row, so every window is counted from the rows, as the previous commit did).
// Run: node -r @swc-node/register bench/analytics.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_DELIVERIES (default 1000000), BENCH_RUNS (default 1000000), BENCH_REPEAT (requests per figure,
//        default 7), BENCH_BASELINE_REPEAT (default 3), BENCH_KEEP_DATABASE=1 (keep the database, for EXPLAIN or
//        BENCH_DATABASE=<name>: measure a kept one again without seeding and rolling up).
import 'reflect-metadata';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import { TokenService } from '@conduit/auth';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { ConduitConfig, parseConfig } from '@conduit/platform';
import { OperatorService } from '@conduit/tenants';
import { CliModule } from '../src/cli.module';
import { seedTenant } from '../test/support/analytics-seed';
import { ApiProcess, startApiProcess } from '../test/support/api-process';
import {
  BenchDatabase,
  createBenchDatabase,
  keptBenchDatabase,
  percentile,
  sleep,
  startWorker,
  stopWorker,
} from './support';

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 7);
const BASELINE_REPEAT = Number(process.env.BENCH_BASELINE_REPEAT ?? 3);
const DAYS = 30;
const HOUR_MS = 3600_000;
const EMAIL = 'bench@example.test';
/** BENCH_DATABASE: a database an earlier run kept (BENCH_KEEP_DATABASE=1), measured again without seeding. */
const KEPT = process.env.BENCH_DATABASE;

interface Case {
  label: string;
  windowMs: number;
  /** A subscription or chain id, for the one-subscription / one-chain cases. */
  one?: boolean;
}

const CASES: Case[] = [
  { label: '1 h', windowMs: HOUR_MS },
  { label: '24 h (default)', windowMs: 24 * HOUR_MS },
  { label: '24 h, one subscription/chain', windowMs: 24 * HOUR_MS, one: true },
  { label: '7 d', windowMs: 7 * 24 * HOUR_MS },
  { label: '30 d', windowMs: 30 * 24 * HOUR_MS },
];

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return { p50: r(percentile(sorted, 50)), max: r(sorted.at(-1) ?? NaN) };
}

async function main(): Promise<void> {
  const db = KEPT ? keptBenchDatabase(KEPT, 'analytics') : await createBenchDatabase('analytics');
  const config = parseConfig({ ...db.env, DATABASE_STATEMENT_TIMEOUT_MS: '0', ANALYTICS_STATEMENT_TIMEOUT_MS: '0' });
  let api: ApiProcess | undefined;
  try {
    if (!KEPT) await seed(db, config);
    const [{ id: tenantId }] = (await db.owner(`SELECT id FROM tenants WHERE code = 'bench'`)) as { id: string }[];
    const [{ id: userId }] = (await db.owner(`SELECT id FROM users WHERE email = $1`, [EMAIL])) as { id: string }[];
    const ops = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
    const { token } = ops.get(TokenService).issueAccessToken({ userId, tenantId, role: 'tenant_admin' });
    await ops.close();
    const [{ sub }] = (await db.owner(`SELECT id AS sub FROM webhook_subscriptions WHERE tenant_id = $1 LIMIT 1`, [
      tenantId,
    ])) as { sub: string }[];
    const [{ chain }] = (await db.owner(`SELECT id AS chain FROM execution_chains WHERE tenant_id = $1 LIMIT 1`, [
      tenantId,
    ])) as { chain: string }[];
    if (!KEPT) await rollUp(db);
    // The API in its own process, with the service's settings (default statement timeouts).
    api = await startApiProcess({ ...db.env, RATE_LIMIT_PER_MINUTE: '100000000' });
    await api.live();
    const base = api.url;
    let timeouts = 0;
    const get = async (path: string) => {
      const t = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.text();
      // A 503 query_timeout (past ANALYTICS_STATEMENT_TIMEOUT_MS) is a result, counted; anything else stops the bench.
      if (res.status === 503 && body.includes('query_timeout')) timeouts += 1;
      else if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body}`);
      return performance.now() - t;
    };

    // The baseline: the rollups set aside (without a progress row every window is counted from the rows).
    const withoutRollups = async <T>(fn: () => Promise<T>): Promise<T> => {
      await db.owner(`CREATE TABLE bench_progress AS SELECT * FROM analytics_rollup_progress`);
      await db.owner(`DELETE FROM analytics_rollup_progress`);
      try {
        return await fn();
      } finally {
        await db.owner(`INSERT INTO analytics_rollup_progress SELECT * FROM bench_progress`);
        await db.owner(`DROP TABLE bench_progress`);
      }
    };

    // The floor of an authenticated request in its tenant transaction: a one-row list.
    const floorPath = '/api/v1/subscriptions?limit=1';
    await get(floorPath);
    const floor: number[] = [];
    for (let i = 0; i < REPEAT; i += 1) floor.push(await get(floorPath));
    console.log(JSON.stringify({ http_floor_p50_ms: summary(floor).p50, path: floorPath }));

    const results: Record<string, unknown>[] = [];
    for (const [endpoint, key, id] of [
      ['deliveries', 'subscription_id', sub],
      ['chains', 'chain_id', chain],
    ] as const) {
      for (const c of CASES) {
        const until = new Date();
        const since = new Date(until.getTime() - c.windowMs);
        const query = new URLSearchParams({
          since: since.toISOString(),
          until: until.toISOString(),
          ...(c.one ? { [key]: id } : {}),
        });
        const path = `/api/v1/analytics/${endpoint}?${query.toString()}`;
        await get(path); // warm-up: plan cache, buffers
        timeouts = 0;
        const conduit: number[] = [];
        for (let i = 0; i < REPEAT; i += 1) conduit.push(await get(path));
        const before: number[] = [];
        await withoutRollups(async () => {
          for (let i = 0; i < BASELINE_REPEAT; i += 1) before.push(await get(path));
        });
        const now = summary(conduit);
        const then = summary(before);
        const row = {
          endpoint,
          window: c.label,
          conduit_p50_ms: now.p50,
          conduit_max_ms: now.max,
          query_timeouts: timeouts,
          counted_p50_ms: then.p50,
          counted_max_ms: then.max,
          speed_up: Math.round((then.p50 / now.p50) * 10) / 10,
        };
        results.push(row);
        console.log(JSON.stringify(row));
      }
    }
    console.log(
      JSON.stringify({
        machine: `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
        load_average: loadavg().map((n) => n.toFixed(2)),
        deliveries: DELIVERIES,
        runs: RUNS,
      }),
    );
    console.table(results);
  } finally {
    await api?.stop();
    await sleep(100);
    if (!process.env.BENCH_KEEP_DATABASE && !KEPT) await db.drop();
  }
}

/** Migrates, seeds and analyses the database. */
async function seed(db: BenchDatabase, config: ConduitConfig): Promise<void> {
  await migrateDatabase(config, API_MIGRATIONS);
  const ops = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  const operator = ops.get(OperatorService);
  const tenant = await operator.createTenant({ code: 'bench', name: 'Bench' });
  const other = await operator.createTenant({ code: 'other', name: 'Other' });
  await operator.createUser({
    email: EMAIL,
    password: 'bench-password-123',
    tenantCode: 'bench',
    role: 'tenant_admin',
  });
  await ops.close();
  const started = performance.now();
  const counts = { deliveries: DELIVERIES, runs: RUNS, days: DAYS, subscriptions: 10, chains: 5 };
  await seedTenant(db.owner, tenant.id, counts);
  await seedTenant(db.owner, other.id, { ...counts, deliveries: DELIVERIES / 10, runs: RUNS / 10 });
  await db.owner('VACUUM ANALYZE');
  const seedSeconds = (performance.now() - started) / 1000;
  const sizes = await db.owner(
    `SELECT relname AS table, n_live_tup::bigint AS rows FROM pg_stat_user_tables
      WHERE relname IN ('webhook_deliveries', 'webhook_delivery_attempts', 'execution_chain_runs', 'execution_chain_step_runs') ORDER BY relname`,
  );
  console.log(JSON.stringify({ seeded_seconds: Math.round(seedSeconds), rows: sizes }));
}

/** Runs the real worker until it has rolled up both tenants' hours (its first run after deploying); prints the time. */
async function rollUp(db: BenchDatabase): Promise<void> {
  const started = performance.now();
  const worker = startWorker({ ...db.env, ANALYTICS_ROLLUP_INTERVAL_MS: '1000' });
  try {
    for (;;) {
      const horizon = new Date(Math.floor((Date.now() - 5 * 60_000) / HOUR_MS) * HOUR_MS);
      const [{ n }] = (await db.owner(
        `SELECT count(*)::int AS n FROM analytics_rollup_progress WHERE rolled_up_until = $1`,
        [horizon],
      )) as { n: number }[];
      if (n === 4) break;
      if (worker.exitCode !== null) throw new Error(`the worker exited with ${worker.exitCode}`);
      await sleep(250);
    }
  } finally {
    await stopWorker(worker);
  }
  const rows = await db.owner(`SELECT span, count(*)::int AS rows FROM analytics_rollups GROUP BY span ORDER BY span`);
  console.log(JSON.stringify({ rolled_up_seconds: Math.round((performance.now() - started) / 100) / 10, rows }));
  await db.owner('VACUUM ANALYZE analytics_rollups');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
