// Issue 19, end to end through the poller: one worker process (apps/worker/src/main.ts, its own process) polls a paged
// fake SIEM (in this script's process, on 127.0.0.1: pages of 500 alerts, a next-page token) for one instance and
// stores every alert into cases, each page with the cursor's move in one transaction. Measured: events stored per
// second from the SIEM's first request to the last event committed (polled here in case_events), and every alert
// served stored exactly once. The API that sets things up runs in this process but is idle while the worker ingests.
// Run: node -r @swc-node/register bench/cases-poller.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_ALERTS (default 50,000), BENCH_PAGE_SIZE (500), BENCH_KEYS (200 case keys shared by 80 % of alerts),
//        BENCH_KEEP_DATABASE=1 (the bench database is kept, to look at plans after a run),
//        BENCH_SUBSCRIBED=1 (a subscription to case.*: the worker delivers every case event too).
import 'reflect-metadata';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import IORedis from 'ioredis';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { ApiProcess, startApiProcess } from '../test/support/api-process';
import { PagedSiem } from '../test/support/fake-siem';
import { benchApiCaller, seedBenchAdmin } from './bench-api';
import { createBenchDatabase, machineFacts, sleep, startWorker, stopWorker } from './support';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 50_000);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 500);
const KEYS = Number(process.env.BENCH_KEYS ?? 200);

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 100) / 100;
};

async function main(): Promise<void> {
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  const now = Date.now();
  const alerts = Array.from({ length: ALERTS }, (_, i) => ({
    id: `a-${i}`,
    ts: new Date(now - 3_000_000 + Math.floor((i * 2_900_000) / ALERTS)).toISOString(),
    host: i % 5 === 0 ? `solo-${i}` : `host-${i % KEYS}`,
    level: ['low', 'medium', 'high'][i % 3],
  }));
  // The poller asks for one window page by page: its alerts are picked once (fixedWindows), so the SIEM's own work is
  // not what is measured.
  const siem = await new PagedSiem({ fixedWindows: true }).start();
  for (const a of alerts) siem.add('siem', a);
  const siemUrl = siem.url('siem');

  const db = await createBenchDatabase('cases_poller');
  const config = parseConfig({ ...db.env });
  const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
  let api: ApiProcess | undefined;
  let worker: ReturnType<typeof startWorker> | undefined;
  try {
    await migrateDatabase(config, API_MIGRATIONS);
    const { token } = await seedBenchAdmin(config);
    api = await startApiProcess({ ...db.env, RATE_LIMIT_PER_MINUTE: '100000000' });
    await api.live();
    const call = benchApiCaller(api.url, token);
    const integration = await call('POST', '/api/v1/integrations', { title: 'SIEM' });
    await call('POST', `/api/v1/integrations/${String(integration.id)}/tasks`, {
      name: 'Pull alerts',
      task_tag: 'pull_alerts',
      request: {
        method: 'GET',
        path: '/alerts',
        query: {
          start: '{{input.start}}',
          end: '{{input.end}}',
          page_size: '{{input.page_size}}',
          page_token: '{{input.page_token}}',
        },
      },
      input_fields: [
        { name: 'start', label: 'start', type: 'text' },
        { name: 'end', label: 'end', type: 'text' },
        { name: 'page_size', label: 'page size', type: 'number' },
        { name: 'page_token', label: 'page token', type: 'text' },
      ],
      output_fields: [{ name: 'alerts', path: '$.alerts', type: 'any', is_array: true }],
      ingest_cases: true,
      case_ingestion_config: {},
    });
    const instance = await call('POST', '/api/v1/instances', {
      integration_uuid: integration.id,
      title: 'siem',
      base_url: siemUrl,
    });
    // BENCH_SUBSCRIBED=1: a subscription to the case events, so the worker also delivers every case event (to a
    // closed port: each delivery fails and is retried beside the ingest). By default none: the events are written,
    // nothing delivers them, as in bench/cases.ts.
    if (process.env.BENCH_SUBSCRIBED === '1')
      await call('POST', '/api/v1/subscriptions', {
        app_name: 'soc',
        target_url: 'http://127.0.0.1:9/cases',
        event_types: ['case.*'],
      });
    worker = startWorker({ ...db.env, CASE_INGESTION_SWEEP_INTERVAL_MS: '200' });
    await sleep(3000);
    await call('PUT', `/api/v1/instances/${String(instance.id)}/ingestion`, {
      task_tag: 'pull_alerts',
      interval_seconds: 3600,
      first_fetch: 3600,
      lookback_seconds: 0,
      settle_seconds: 0,
      page_size: PAGE_SIZE,
      max_items_per_run: ALERTS * 2,
      items_path: '$.alerts',
      pagination: { type: 'token', next_path: '$.next', param: 'page_token' },
      field_mapping: {
        external_id: '$.id',
        title: '$.host',
        severity: '$.level',
        occurred_at: '$.ts',
        case_key: '$.host',
      },
      correlation_window_seconds: 3600,
      enabled: true,
    });
    const count = async (sql: string) => Number((await db.owner(sql))[0].n);
    // The run is done when the window's last page has committed: that transaction sets the cursor. Polled on the tiny
    // instance_ingestion table (a count over the growing case_events every 50 ms would itself load PostgreSQL).
    let doneAt = 0;
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      const [row] = await db.owner(`SELECT cursor IS NOT NULL AS done FROM instance_ingestion`);
      if (row?.done === true) {
        doneAt = performance.now();
        break;
      }
      await sleep(20);
    }
    const stored = await count(`SELECT count(*)::int AS n FROM case_events`);
    const seconds = (doneAt - siem.timings[0].arrivedAt) / 1000;
    // Per page: the SIEM's own time (arrival to answer), and the worker's time between an answer and the next request
    // (storing the page, moving the cursor, the next call's set-up).
    const siemMs = siem.timings.map((t) => t.answeredAt - t.arrivedAt);
    const betweenMs = siem.timings.slice(1).map((t, i) => t.arrivedAt - siem.timings[i].answeredAt);
    const duplicates = await count(
      `SELECT count(*)::int AS n FROM (SELECT external_id FROM case_events GROUP BY 1 HAVING count(*) > 1) d`,
    );
    const cases = await count(`SELECT count(*)::int AS n FROM cases`);
    const published = await count(`SELECT count(*)::int AS n FROM webhook_events`);
    const baseline = await batchedInsertBaseline(db.url, alerts);
    console.log(
      JSON.stringify(
        {
          machine: machineFacts(),
          alerts: ALERTS,
          page_size: PAGE_SIZE,
          siem_requests: siem.requests.get('siem') ?? 0,
          served: siem.servedOf('siem').size,
          stored,
          duplicates,
          cases,
          case_events_published: published,
          seconds: Math.round(seconds * 100) / 100,
          events_per_second: Math.round(stored / seconds),
          siem_ms_per_page_median: median(siemMs),
          worker_ms_between_pages_median: median(betweenMs),
          target: 5000,
          target_met: stored / seconds >= 5000,
          postgres_batched_insert_rows_per_second: baseline,
          poller_vs_batched_insert: Math.round((stored / seconds / baseline) * 1000) / 1000,
          load_average_at_start: load,
          load_average_at_end: loadavg().map((l) => Math.round(l * 100) / 100),
        },
        null,
        2,
      ),
    );
  } finally {
    if (worker) await stopWorker(worker);
    await api?.stop();
    await siem.close();
    await deleteRedisPrefix(redis, db.env.REDIS_PREFIX);
    await redis.quit();
    if (process.env.BENCH_KEEP_DATABASE !== '1') await db.drop();
  }
}

/**
 * PostgreSQL's own rate for the events alone, in the same run: the same rows (the served alerts as `raw`, their case)
 * inserted by one client into a copy of case_events (its indexes and foreign keys) in batches of a page, one
 * transaction each, through the same unnest statement shape; no mapping, no duplicate check, no cases, no fan-out.
 * What the poller does beyond storing rows is the gap between the two figures.
 */
async function batchedInsertBaseline(url: string, alerts: { id: string; ts: string }[]): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE baseline_events (LIKE case_events INCLUDING ALL)`);
    await client.query(`ALTER TABLE baseline_events ADD FOREIGN KEY (tenant_id) REFERENCES tenants(id),
                          ADD FOREIGN KEY (case_id) REFERENCES cases(id) ON DELETE CASCADE`);
    const [{ tenant_id: tenantId, source_ref: sourceRef }] = (
      await client.query(`SELECT tenant_id, source_ref FROM case_events LIMIT 1`)
    ).rows as { tenant_id: string; source_ref: string }[];
    const caseIds = (await client.query(`SELECT id FROM cases ORDER BY case_id LIMIT 200`)).rows.map(
      (r: { id: string }) => r.id,
    );
    const started = performance.now();
    for (let i = 0; i < alerts.length; i += PAGE_SIZE) {
      const page = alerts.slice(i, i + PAGE_SIZE);
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO baseline_events (id, tenant_id, case_id, source, instance_uuid, source_ref, external_id, title,
                                      severity, occurred_at, raw, created_at)
         SELECT gen_random_uuid(), $1, e.case_id, 'instance', $2, $2, e.external_id, e.title, 'low', e.occurred_at,
                e.raw::jsonb, now()
           FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::uuid[])
                AS e(external_id, title, occurred_at, raw, case_id)
         ON CONFLICT (tenant_id, source_ref, external_id) DO NOTHING`,
        [
          tenantId,
          sourceRef,
          page.map((a) => a.id),
          page.map((a) => `title of ${a.id}`),
          page.map((a) => a.ts),
          page.map((a) => JSON.stringify(a)),
          page.map((_, j) => caseIds[(i + j) % caseIds.length]),
        ],
      );
      await client.query('COMMIT');
    }
    return Math.round(alerts.length / ((performance.now() - started) / 1000));
  } finally {
    await client.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
