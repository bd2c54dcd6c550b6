// bench/delivery-floor: what publishing and delivering cost on this machine at the least, without Conduit's Node code.
// It answers one question: can 500 events/s x 10 subscriptions (5,000 deliveries/s) fit on this machine at all while
// every event and delivery is written to PostgreSQL (DESIGN.md: "Postgres is the source of truth")?
//   1. Publish floor: pgbench runs the cheapest possible publish against the real schema (migrations, row-level
//      security, the runtime role): one transaction, one statement inserting the event and its 10 deliveries; and
//      the same with 10 events per transaction, what batching concurrent publishes could reach at best.
//   2. Delivery floor: pgbench claims due deliveries 30 at a time and records them delivered with their attempt
//      rows, in the same two statements' shape as the worker's batches (libs/webhooks/src/delivery/delivery-sql.ts).
//   3. HTTP floor: the worker's OutboundHttpClient posting to a bare node:http sink in this one process.
// For each it reports CPU per event or per delivery (PostgreSQL's processes from /proc, pgbench's own CPU left out),
// then what 500 events/s would need of the machine's cores. Conduit's own work (signing, BullMQ, Redis, the JSON
// of jobs, the publisher) comes on top; a p50 under 15 ms needs the machine well below full.
// Run: node -r @swc-node/register bench/delivery-floor.ts   (local PostgreSQL with pgbench on PATH; no Redis needed)
// Knobs: BENCH_SECONDS (per phase, default 15), BENCH_CLIENTS (pgbench clients, default 8), BENCH_EVENTS_PER_SECOND
//        (the target the extrapolation is for, default 500).
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateDatabase, resolveDatabaseUrls } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { OutboundHttpClient } from '@conduit/outbound-http';
import { parseConfig } from '@conduit/platform';
import { deliveryHttpOptions } from '@conduit/webhooks/engine';
import { cpuByGroup, createBenchDatabase, sleep, startBareSink } from './support';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const TARGET_EVENTS = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 500);
const SUBSCRIPTIONS = 10;
const BATCH = 30;
const PUBLISH_BATCH = 10;
const EVENT = 'order.created';
const PAYLOAD = { order_id: 'ord_123', total: 120, currency: 'EUR', items: [{ sku: 'A-1', qty: 2 }] };

// UUID version 7 in SQL (PostgreSQL 15 has none), so primary keys grow at the right edge as the app's ids do.
const UUID7 = `
  CREATE FUNCTION bench_uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
      substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
  $$`;

/**
 * `events` events and their deliveries in one transaction and one statement (more than one: cross-request batching).
 */
function publishScript(tenant: string, events: number): string {
  const payload = JSON.stringify(PAYLOAD).replace(/'/g, "''");
  return `BEGIN;
SELECT set_config('app.tenant_id', '${tenant}', true);
WITH event AS (INSERT INTO webhook_events (id, tenant_id, event_name, source, payload, delivery_count, created_at) SELECT bench_uuid7(), '${tenant}', '${EVENT}', 'bench', '${payload}', ${SUBSCRIPTIONS}, now() FROM generate_series(1, ${events}) RETURNING id) INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, next_attempt_at, created_at, updated_at) SELECT bench_uuid7(), '${tenant}', event.id, s.id, 'pending', 0, now(), now(), now() FROM event, webhook_subscriptions s WHERE s.tenant_id = '${tenant}' AND s.event_types && ARRAY['${EVENT}', '*'] AND s.deleted_at IS NULL AND s.is_active;
COMMIT;
`;
}

function deliverScript(tenant: string): string {
  // pgbench scripts are one statement per line. The claimed ids travel through a temporary table, as the worker's
  // would through its job and memory.
  return `CREATE TEMP TABLE IF NOT EXISTS claimed (id uuid, attempt int, lease text);
TRUNCATE claimed;
BEGIN;
SELECT set_config('app.tenant_id', '${tenant}', true);
WITH c AS (UPDATE webhook_deliveries d SET status = 'delivering', lease_expires_at = now() + make_interval(secs => 30), updated_at = now() WHERE d.id IN (SELECT id FROM webhook_deliveries WHERE tenant_id = '${tenant}' AND next_attempt_at <= now() AND status = 'pending' ORDER BY next_attempt_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED) RETURNING d.id, d.attempt_count + 1 AS attempt, d.lease_expires_at::text AS lease) INSERT INTO claimed SELECT * FROM c;
COMMIT;
BEGIN;
SELECT set_config('app.tenant_id', '${tenant}', true);
WITH d AS (UPDATE webhook_deliveries w SET status = 'delivered', attempt_count = i.attempt, lease_expires_at = NULL, next_attempt_at = NULL, delivered_at = now(), updated_at = now(), last_status_code = 200, last_error_class = NULL, last_error = NULL FROM claimed i WHERE w.id = i.id AND w.tenant_id = '${tenant}' AND w.status = 'delivering' AND w.lease_expires_at = i.lease::timestamptz RETURNING w.id, i.attempt) INSERT INTO webhook_delivery_attempts (id, tenant_id, delivery_id, attempt_number, status_code, duration_ms, request_headers, response_headers, response_body, response_truncated, created_at) SELECT bench_uuid7(), '${tenant}', d.id, d.attempt, 200, 2, '{"content-type": "application/json"}', '{"content-length": "2"}', 'ok', false, now() FROM d;
COMMIT;
`;
}

/** Runs pgbench with one script as the runtime role; returns its stdout. */
async function pgbench(runtimeUrl: string, script: string, clients: number): Promise<string> {
  const url = new URL(runtimeUrl);
  const child = spawn(
    'pgbench',
    [
      '-n',
      '-c',
      String(clients),
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-f',
      script,
      '-h',
      url.hostname,
      '-p',
      url.port || '5432',
      '-U',
      decodeURIComponent(url.username),
      url.pathname.slice(1),
    ],
    {
      env: { PATH: process.env.PATH, PGPASSWORD: decodeURIComponent(url.password) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${out}`);
  return out;
}

/**
 * PostgreSQL's CPU per unit of work during a pgbench phase. pgbench's backends exit with it (and their CPU leaves
 * /proc), so the window is measured while it runs: from 1 s after its start (connections up) to 1 s before its end.
 * `count` reads the units done so far.
 */
async function measure(label: string, run: () => Promise<string>, count: () => Promise<number>) {
  const done = run();
  await sleep(1000);
  const before = cpuByGroup(undefined, 'bench');
  const unitsBefore = await count();
  const start = performance.now();
  await sleep((SECONDS - 2) * 1000);
  const after = cpuByGroup(undefined, 'bench');
  const units = (await count()) - unitsBefore;
  const seconds = (performance.now() - start) / 1000;
  const out = await done;
  const pg = after.postgres - before.postgres;
  const machine = after['machine busy (all cores)'] - before['machine busy (all cores)'];
  return {
    phase: label,
    units_per_second: Math.round(units / seconds),
    postgres_cpu_ms_per_unit: Number(((pg / units) * 1000).toFixed(3)),
    postgres_cores_busy: Number((pg / seconds).toFixed(2)),
    machine_cores_busy: Number((machine / seconds).toFixed(2)),
    pgbench_tps: Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN),
  };
}

/**
 * The HTTP exchange alone: the worker's client class to a bare sink, both in this process (CPU from process.cpuUsage).
 */
async function httpFloor(config: ReturnType<typeof parseConfig>) {
  const sink = await startBareSink();
  const client = new OutboundHttpClient(deliveryHttpOptions(config));
  const body = JSON.stringify({ type: EVENT, timestamp: new Date().toISOString(), data: PAYLOAD });
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (performance.now() < end)
        await client.send({ url: sink.url, headers: { 'content-type': 'application/json' }, body });
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  client.close();
  await sink.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    phase: 'http exchange (client + sink, one process)',
    units_per_second: Math.round(sink.received() / seconds),
    cpu_ms_per_unit: Number(((cpuSeconds / sink.received()) * 1000).toFixed(3)),
    process_cores_busy: Number((cpuSeconds / seconds).toFixed(2)),
  };
}

async function main(): Promise<void> {
  const db = await createBenchDatabase('floor');
  const { owner } = db;
  const dir = mkdtempSync(join(tmpdir(), 'conduit-floor-'));
  try {
    const config = parseConfig({
      DATABASE_URL: db.url,
      CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'),
      OUTBOUND_ALLOW_LOOPBACK: 'true',
      LOG_LEVEL: 'silent',
    });
    await migrateDatabase(config, API_MIGRATIONS);
    const { runtimeUrl } = resolveDatabaseUrls(config);
    await owner(UUID7);
    const tenant = randomUUID();
    await owner(`INSERT INTO tenants (id, code, name) VALUES ($1, 'bench', 'Bench')`, [tenant]);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await owner(
        `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
         VALUES ($1, $2, $3, 'http://127.0.0.1:9/hook', $4, 'sealed', '{0,5,300}')`,
        [randomUUID(), tenant, `sink-${i}`, [EVENT]],
      );
    }
    const publishFile = join(dir, 'publish.sql');
    const publishBatchFile = join(dir, 'publish-batch.sql');
    const deliverFile = join(dir, 'deliver.sql');
    writeFileSync(publishFile, publishScript(tenant, 1));
    writeFileSync(publishBatchFile, publishScript(tenant, PUBLISH_BATCH));
    writeFileSync(deliverFile, deliverScript(tenant));

    const count = (table: string) => async () => Number((await owner(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
    // Warm-up, then statistics as autovacuum would soon have them.
    await pgbench(runtimeUrl, publishFile, 2);
    await owner('ANALYZE');
    const publish = await measure(
      'publish (event + 10 deliveries, one statement)',
      () => pgbench(runtimeUrl, publishFile, CLIENTS),
      count('webhook_events'),
    );
    const publishBatched = await measure(
      `publish ${PUBLISH_BATCH} events per transaction (what batching concurrent publishes could reach)`,
      () => pgbench(runtimeUrl, publishBatchFile, CLIENTS),
      count('webhook_events'),
    );
    await owner('ANALYZE');
    const deliver = await measure(
      `claim + record delivered (batches of ${BATCH})`,
      () => pgbench(runtimeUrl, deliverFile, Math.max(2, CLIENTS / 2)),
      count('webhook_delivery_attempts'),
    );
    const pending = Number(
      (await owner(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`))[0].n,
    );
    const http = await httpFloor(config);

    const deliveriesPerSecond = TARGET_EVENTS * SUBSCRIPTIONS;
    const cores = {
      // The cheaper of the two publish shapes: the floor assumes publishes are batched across requests.
      postgres_publish:
        (TARGET_EVENTS * Math.min(publish.postgres_cpu_ms_per_unit, publishBatched.postgres_cpu_ms_per_unit)) / 1000,
      postgres_deliver: (deliveriesPerSecond * deliver.postgres_cpu_ms_per_unit) / 1000,
      http_exchange: (deliveriesPerSecond * http.cpu_ms_per_unit) / 1000,
    };
    const total = cores.postgres_publish + cores.postgres_deliver + cores.http_exchange;
    console.log(
      JSON.stringify(
        {
          machine: {
            cpus: cpus().length,
            model: cpus()[0]?.model,
            memory_gib: Math.round(totalmem() / 2 ** 30),
            node: process.version,
          },
          seconds_per_phase: SECONDS,
          phases: [publish, publishBatched, deliver, http],
          deliveries_left_pending_after_deliver_phase: pending,
          [`cores_needed_at_${TARGET_EVENTS}_events_per_second`]: {
            ...Object.fromEntries(Object.entries(cores).map(([k, v]) => [k, Number(v.toFixed(2))])),
            total_floor: Number(total.toFixed(2)),
            machine_cores: cpus().length,
            floor_share_of_machine: Number((total / cpus().length).toFixed(2)),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
