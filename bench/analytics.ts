// bench/analytics: GET /api/v1/analytics/deliveries and /chains with 1,000,000 deliveries (and their attempts) and
// 1,000,000 chain runs (and their step runs) in one tenant, spread over 30 days (the default retention), plus a
// tenth as much in a second tenant. Seeded as the owner with generate_series (bench/analytics-seed.ts), then
// VACUUM ANALYZE (what autovacuum leaves on rows that old).
// Conduit: the real API (apps/api/src/main.ts) in its own process, asked over HTTP by this process, per window
// (1 h, the default 24 h, 7 d, 30 d; one subscription or chain over 24 h).
// Baseline in the same run: the previous commit's analytics SQL on the previous commit's schema (a copy of the
// seeded database with AnalyticsIndexes1763970000000 reverted), run directly as the runtime role in a tenant
// transaction: what the endpoints cost before, without HTTP.
// Run: node -r @swc-node/register bench/analytics.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_DELIVERIES (default 1000000), BENCH_RUNS (default 1000000), BENCH_REPEAT (requests per figure,
//        default 7), BENCH_BASELINE_REPEAT (default 3), BENCH_KEEP_DATABASE=1 (keep both databases, for EXPLAIN or
//        BENCH_DATABASE=<name>: measure a kept one again without seeding).
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { TokenService } from '@conduit/auth';
import { migrateDatabase, resolveDatabaseUrls } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { ConduitConfig, parseConfig } from '@conduit/platform';
import { OperatorService } from '@conduit/tenants';
import type { QueryRunner } from 'typeorm';
import { CliModule } from '../src/cli.module';
import { seedTenant } from './analytics-seed';
import {
  ADMIN_URL,
  BenchDatabase,
  ROOT,
  createBenchDatabase,
  keptBenchDatabase,
  percentile,
  query,
  sleep,
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

// The previous commit's queries (ee500bc, libs/webhooks/src/analytics.service.ts and
// libs/chains/src/chain-analytics.service.ts).
const OLD_DELIVERIES = [
  `WITH d AS (
     SELECT d.* FROM webhook_deliveries d
      WHERE d.tenant_id = $1 AND d.created_at >= $2 AND d.created_at < $3 AND ($4::uuid IS NULL OR d.subscription_id = $4)
   ), a AS (
     SELECT d.subscription_id, at.duration_ms FROM webhook_delivery_attempts at JOIN d ON d.id = at.delivery_id
      WHERE at.tenant_id = $1
   )
   SELECT s.id AS subscription_id, s.app_name,
          count(d.id)::int AS deliveries,
          count(d.id) FILTER (WHERE d.status = 'delivered')::int AS delivered,
          count(d.id) FILTER (WHERE d.status = 'failed')::int AS failed,
          count(d.id) FILTER (WHERE d.status IN ('pending', 'delivering'))::int AS in_flight,
          coalesce(sum(d.attempt_count), 0)::int AS attempts,
          (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FROM a WHERE a.subscription_id = s.id) AS p50,
          (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FROM a WHERE a.subscription_id = s.id) AS p95
     FROM webhook_subscriptions s JOIN d ON d.subscription_id = s.id
    WHERE s.tenant_id = $1
    GROUP BY s.id, s.app_name
    ORDER BY deliveries DESC, s.id`,
  `SELECT d.subscription_id, at.error_class, count(*)::int AS count
     FROM webhook_delivery_attempts at JOIN webhook_deliveries d ON d.id = at.delivery_id
    WHERE at.tenant_id = $1 AND d.created_at >= $2 AND d.created_at < $3 AND ($4::uuid IS NULL OR d.subscription_id = $4)
      AND at.error_class IS NOT NULL
    GROUP BY d.subscription_id, at.error_class
    ORDER BY count DESC`,
];
const OLD_CHAINS = [
  `SELECT c.id AS chain_id, c.name AS chain_name,
          count(*)::int AS runs,
          count(*) FILTER (WHERE r.status = 'completed')::int AS completed,
          count(*) FILTER (WHERE r.status = 'failed')::int AS failed,
          count(*) FILTER (WHERE r.status = 'cancelled')::int AS cancelled,
          count(*) FILTER (WHERE r.status IN ('pending', 'running', 'paused'))::int AS in_flight,
          avg(extract(epoch FROM r.completed_at - r.started_at) * 1000) FILTER (WHERE r.status = 'completed') AS avg_ms,
          percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM r.completed_at - r.started_at) * 1000)
            FILTER (WHERE r.status = 'completed') AS p95_ms
     FROM execution_chain_runs r JOIN execution_chains c ON c.id = r.chain_id
    WHERE r.tenant_id = $1 AND r.created_at >= $2 AND r.created_at < $3 AND ($4::uuid IS NULL OR r.chain_id = $4)
    GROUP BY c.id, c.name
    ORDER BY runs DESC, c.id`,
  `SELECT r.chain_id, sr.step_order, sr.name AS step_name, count(*)::int AS failures
     FROM execution_chain_step_runs sr JOIN execution_chain_runs r ON r.id = sr.run_id
    WHERE sr.tenant_id = $1 AND r.created_at >= $2 AND r.created_at < $3 AND ($4::uuid IS NULL OR r.chain_id = $4)
      AND sr.kind = 'step' AND sr.status = 'failed'
    GROUP BY r.chain_id, sr.step_order, sr.name
    ORDER BY failures DESC, sr.step_order`,
];

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
  let api: ChildProcess | undefined;
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
    const beforeUrl = new URL(db.url);
    beforeUrl.pathname = `/${db.name}_before`;
    const owner = new Client({ connectionString: beforeUrl.toString() });
    await owner.connect();
    // The API in its own process, with the service's settings (default statement timeouts).
    const port = await freePort();
    api = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...db.env, PORT: String(port), RATE_LIMIT_PER_MINUTE: '100000000' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitUntilLive(base, api);
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

    const runtimeRole = resolveDatabaseUrls(config).runtimeRole;
    const baseline = async (statements: string[], params: unknown[]) => {
      await owner.query('BEGIN');
      try {
        await owner.query(`SET LOCAL ROLE ${runtimeRole}`);
        await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
        const t = performance.now();
        for (const sql of statements) await owner.query(sql, params);
        return performance.now() - t;
      } finally {
        await owner.query('ROLLBACK');
      }
    };

    // The floor of an authenticated request in its tenant transaction: a one-row list.
    const floorPath = '/api/v1/subscriptions?limit=1';
    await get(floorPath);
    const floor: number[] = [];
    for (let i = 0; i < REPEAT; i += 1) floor.push(await get(floorPath));
    console.log(JSON.stringify({ http_floor_p50_ms: summary(floor).p50, path: floorPath }));

    const results: Record<string, unknown>[] = [];
    for (const [endpoint, old, key, id] of [
      ['deliveries', OLD_DELIVERIES, 'subscription_id', sub],
      ['chains', OLD_CHAINS, 'chain_id', chain],
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
        for (let i = 0; i < BASELINE_REPEAT; i += 1)
          before.push(await baseline(old, [tenantId, since, until, c.one ? id : null]));
        const now = summary(conduit);
        const then = summary(before);
        const row = {
          endpoint,
          window: c.label,
          conduit_p50_ms: now.p50,
          conduit_max_ms: now.max,
          query_timeouts: timeouts,
          before_p50_ms: then.p50,
          before_max_ms: then.max,
          speed_up: Math.round((then.p50 / now.p50) * 10) / 10,
        };
        results.push(row);
        console.log(JSON.stringify(row));
      }
    }
    await owner.end();
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
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
    await sleep(100);
    if (!process.env.BENCH_KEEP_DATABASE && !KEPT)
      await query(ADMIN_URL, `DROP DATABASE IF EXISTS ${db.name}_before WITH (FORCE)`);
    await db.drop();
  }
}

/** Migrates, seeds and analyses the database, then copies it as `<name>_before` with this commit's indexes reverted. */
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
  // The previous commit's schema (copied before anything else connects): the same rows, this commit's indexes reverted.
  const beforeUrl = new URL(db.url);
  beforeUrl.pathname = `/${db.name}_before`;
  await query(ADMIN_URL, `CREATE DATABASE ${db.name}_before TEMPLATE ${db.name} STRATEGY FILE_COPY`);
  const owner = new Client({ connectionString: beforeUrl.toString() });
  await owner.connect();
  try {
    const analyticsIndexes = API_MIGRATIONS.find((m) => m.name === 'AnalyticsIndexes1763970000000');
    if (!analyticsIndexes) throw new Error('no migration AnalyticsIndexes1763970000000');
    await new analyticsIndexes().down({ query: (sql: string) => owner.query(sql) } as unknown as QueryRunner);
    await owner.query('ANALYZE');
  } finally {
    await owner.end();
  }
}

/** A port free right now (the API is told to listen on it). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Waits until the API answers its liveness probe. */
async function waitUntilLive(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error('the API did not start within 60 s');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
