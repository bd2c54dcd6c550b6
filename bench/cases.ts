// bench/cases: issue 19's two figures for the cases domain.
// 1. Ingest throughput: pages of BENCH_PAGE_SIZE (default 500) items, as a SIEM answers them, from a paged fake SIEM
//    in this process (node:http on 127.0.0.1, items made on request) into cases by ONE ingesting process built like
//    the worker (bench/cases-ingest.ts: WorkerModule as a Nest application context), each page fetched through the
//    task calls' HTTP client and stored by CaseIngest.ingest in one tenant transaction; BENCH_LANES (default "1,4")
//    instances ingested at once. Per page 400 items fall on 200 keys that keep their cases (correlation joins them
//    after the first page) and 100 items each open a case. Baseline in the same run, same process, same lanes and
//    pages: each page's rows written to case_events by one multi-row INSERT (PostgreSQL's own batched insert of the
//    same rows, no cases or fan-out). Two experiments run beside Conduit's code (conduit-probe-hooks,
//    conduit-numbers-apart; see bench/cases-ingest.ts). The series' order rotates from round to round. Events/s and
//    the ratio; every served item is checked stored once and attached to a case.
//    Polling ingestion (the instance poller) had not landed when this was written: the path measured is the SIEM's
//    pages through CaseIngest, what a poller's run does per page minus its cursor update (see docs/benchmarks.md).
// 2. Listing: BENCH_EVENTS (default 1,000,000) case_events in one tenant among BENCH_OTHER_TENANTS (default 4)
//    holding BENCH_OTHER_EVENTS (default 50,000) each, seeded with generate_series as the owner: one case of 300,000
//    events, ten of 20,000, the rest over BENCH_CASES (default 2,000) cases. Measured through the real API
//    (apps/api/src/main.ts) in its own process, asked sequentially by this process: GET /api/v1/cases/{id}/events
//    (first page, a deep cursor page, a small case) and the seed case panel route (several offsets); against the bare
//    SQL of the same read (owner connection, no HTTP, no RLS) and the HTTP floor (an authenticated one-row list of
//    another domain). p50/p95. An experiment for deep offsets (a deferred join) in bare SQL.
// The load average is printed at the start and the end of each part, and kept in the result.
// Run: node -r @swc-node/register bench/cases.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_PART (ingest, listing or all; default all), BENCH_PAGES (pages per lane per round, default 40),
//        BENCH_PAGE_SIZE (500), BENCH_LANES (comma list, default "1,4"), BENCH_ROUNDS (3), BENCH_EVENTS, BENCH_CASES,
//        BENCH_OTHER_TENANTS, BENCH_OTHER_EVENTS, BENCH_REPEAT (requests per listing figure, default 200),
//        BENCH_KEEP_DATABASE=1.
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { TokenService } from '@conduit/auth';
import type { CaseMapping } from '@conduit/cases';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { asTenantId, encodeCursor, parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { OperatorService } from '@conduit/tenants';
import { CliModule } from '../src/cli.module';
import { ApiProcess, startApiProcess } from '../test/support/api-process';
import type { IngestCommand, IngestReply, SiemItem } from './cases-ingest';
import { ROOT, cpuByGroup, cpuShare, createBenchDatabase, machineFacts, percentile, sleep } from './support';

const PART = process.env.BENCH_PART ?? 'all';
const PAGES = Number(process.env.BENCH_PAGES ?? 40);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 500);
const LANES = (process.env.BENCH_LANES ?? '1,4').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const CASES = Number(process.env.BENCH_CASES ?? 2_000);
const OTHER_TENANTS = Number(process.env.BENCH_OTHER_TENANTS ?? 4);
const OTHER_EVENTS = Number(process.env.BENCH_OTHER_EVENTS ?? 50_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 200);
const BENCH_LABEL = 'bench (SIEM + load)';
/** Per page: HOT_SHARE of the items on HOT_KEYS keys per lane (joined after the first page), the rest a key each. */
const HOT_KEYS = 200;
const HOT_SHARE = 0.8;
const LEVELS = ['info', 'low', 'medium', 'high', 'critical'];
const EMAIL = 'bench@example.test';
/** Which series goes first rotates from round to round. */
const SERIES_ORDER = [
  ['floor', 'conduit', 'conduit-probe-hooks', 'conduit-numbers-apart'],
  ['conduit', 'conduit-probe-hooks', 'conduit-numbers-apart', 'floor'],
  ['conduit-numbers-apart', 'floor', 'conduit', 'conduit-probe-hooks'],
] as const;

const MAPPING: CaseMapping = {
  field_mapping: {
    external_id: '$.id',
    title: '$.rule',
    severity: '$.level',
    occurred_at: '$.ts',
    case_key: '$.host',
  },
  filter: "item.level != 'debug'",
  correlation_window_seconds: 3600,
  escalation_rules: [{ name: 'burst', when: 'case.event_count >= 50', severity: 'high' }],
};

const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
const round1 = (n: number) => Math.round(n * 10) / 10;

function figures(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return { p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), max: r(sorted.at(-1) ?? NaN) };
}

/** The fake SIEM: GET /alerts?lane=&page=&round= answers a page of PAGE_SIZE items and the next page's number. */
async function startSiem(): Promise<{ url: string; served: () => number; close: () => Promise<void> }> {
  const base = Date.UTC(2026, 11, 1, 12, 0, 0);
  let served = 0;
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const lane = Number(q.get('lane'));
    const page = Number(q.get('page'));
    const round = q.get('round') ?? '';
    const items: SiemItem[] = [];
    for (let i = 0; i < PAGE_SIZE; i++) {
      const j = (page - 1) * PAGE_SIZE + i;
      const hot = i < PAGE_SIZE * HOT_SHARE;
      items.push({
        id: `alrt-${round}-${lane}-${j}`,
        rule: `Rule ${j % 17}: suspicious ${hot ? 'login' : 'process'}`,
        level: LEVELS[j % 4],
        host: hot ? `host-${lane}-${j % HOT_KEYS}` : `ws-${round}-${lane}-${j}`,
        // 100 ms apart: a round's items stay within the mapping's one-hour correlation window.
        ts: new Date(base + j * 100).toISOString(),
        src_ip: `10.${lane}.${(j >> 8) & 255}.${j & 255}`,
        user: `user${j % 311}@corp.example`,
        message: `Process powershell.exe spawned by winword.exe on host ${j % HOT_KEYS} (pid ${1000 + (j % 5000)})`,
      });
    }
    served += items.length;
    const body = JSON.stringify({ items, next_page: page + 1 });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served: () => served,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function ingestPart(db: Awaited<ReturnType<typeof createBenchDatabase>>): Promise<Record<string, unknown>> {
  const tenantId = randomUUID();
  await db.owner(`INSERT INTO tenants (id, code, name) VALUES ($1, 'ingest', 'Ingest')`, [tenantId]);
  const siem = await startSiem();
  const child: ChildProcess = fork(`${ROOT}/bench/cases-ingest.ts`, [], {
    cwd: ROOT,
    execArgv: ['-r', '@swc-node/register'],
    env: {
      PATH: process.env.PATH,
      ...db.env,
      LOG_LEVEL: 'error',
      DATABASE_POOL_SIZE: '10',
      BENCH_OWNER_URL: db.url,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ((msg: { ok?: boolean; ready?: boolean; result?: IngestReply; error?: string }) => void)[] = [];
  child.on('message', (msg: Parameters<(typeof replies)[number]>[0]) => replies.shift()?.(msg));
  const next = () =>
    new Promise<{ ok?: boolean; ready?: boolean; result?: IngestReply; error?: string }>((r) => replies.push(r));
  await next(); // ready
  const send = async (command: IngestCommand): Promise<IngestReply> => {
    const answer = next();
    child.send(command);
    const msg = await answer;
    if (!msg.ok || !msg.result) throw new Error(`ingest process: ${msg.error}`);
    return msg.result;
  };
  type Series = (typeof SERIES_ORDER)[number][number];
  const sources: Record<Series, string[]> = {
    conduit: [],
    floor: [],
    'conduit-probe-hooks': [],
    'conduit-numbers-apart': [],
  };
  let servedToConduit = 0;
  const runOnce = async (cmd: Series, lanes: number, pages: number, round: string) => {
    const instances = Array.from({ length: lanes }, () => randomUUID());
    sources[cmd].push(...instances);
    const cpuBefore = cpuByGroup(child.pid, BENCH_LABEL);
    const result = await send({
      cmd: cmd === 'floor' ? 'floor' : 'conduit',
      variant:
        cmd === 'conduit-probe-hooks' ? 'probe-hooks' : cmd === 'conduit-numbers-apart' ? 'numbers-apart' : undefined,
      siem: siem.url,
      tenantId,
      instances,
      pages,
      mapping: MAPPING,
      round,
    });
    const cpu = cpuShare(cpuBefore, cpuByGroup(child.pid, BENCH_LABEL), result.wallMs / 1000);
    const items = result.lanes.reduce((n, l) => n + l.items, 0);
    if (cmd !== 'floor') servedToConduit += items;
    const stored = result.lanes.reduce((n, l) => n + (l.results.stored ?? 0), 0);
    const store = figures(result.lanes.flatMap((l) => l.storeMs));
    const fetch = figures(result.lanes.flatMap((l) => l.fetchMs));
    const casesCreated = result.lanes.reduce((n, l) => n + (l.results.cases_created ?? 0), 0);
    const casesUpdated = result.lanes.reduce((n, l) => n + (l.results.cases_updated ?? 0), 0);
    return {
      cmd,
      lanes,
      items,
      stored,
      events_per_second: Math.round(stored / (result.wallMs / 1000)),
      wall_ms: Math.round(result.wallMs),
      page_store_ms: store,
      page_fetch_ms: fetch,
      ...(cmd !== 'floor' ? { cases_created: casesCreated, cases_updated: casesUpdated } : {}),
      cpu,
    };
  };
  const rows: Record<string, unknown>[] = [];
  const loadStart = load();
  console.error(`ingest: load average at start ${loadStart.join(' ')}`);
  try {
    // Warm-up: connections, JIT, the mapping's compilation; then planner statistics.
    await runOnce('conduit', 2, 5, 'warm');
    await runOnce('floor', 2, 5, 'warm');
    await runOnce('conduit-probe-hooks', 2, 5, 'warm');
    await runOnce('conduit-numbers-apart', 2, 5, 'warm');
    await db.owner('ANALYZE');
    for (let r = 0; r < ROUNDS; r++)
      for (const lanes of LANES)
        for (const cmd of SERIES_ORDER[r % SERIES_ORDER.length]) {
          const row = { round: r + 1, load_at_start: load()[0], ...(await runOnce(cmd, lanes, PAGES, `r${r}`)) };
          rows.push(row);
          console.log(JSON.stringify(row));
        }
  } finally {
    child.send({ cmd: 'stop' });
    if (child.exitCode === null) await once(child, 'exit');
    await siem.close();
  }
  // Every item served to Conduit's lanes is stored once and attached to a case.
  const [check] = (await db.owner(
    `SELECT count(*)::int AS events, count(*) FILTER (WHERE case_id IS NULL)::int AS unattached,
            count(DISTINCT (source_ref, external_id))::int AS distinct_items
       FROM case_events WHERE source_ref = ANY($1::uuid[])`,
    [[...sources.conduit, ...sources['conduit-probe-hooks'], ...sources['conduit-numbers-apart']]],
  )) as { events: number; unattached: number; distinct_items: number }[];
  const [counts] = (await db.owner(
    `SELECT (SELECT count(*)::int FROM cases WHERE tenant_id = $1) AS cases,
            (SELECT coalesce(sum(event_count), 0)::int FROM cases WHERE tenant_id = $1) AS case_event_count,
            (SELECT count(*)::int FROM webhook_events WHERE tenant_id = $1) AS fanout_events`,
    [tenantId],
  )) as { cases: number; case_event_count: number; fanout_events: number }[];
  const summary: Record<string, unknown> = {};
  for (const lanes of LANES) {
    const of = (cmd: string) =>
      rows.filter((r) => r.lanes === lanes && r.cmd === cmd).map((r) => r.events_per_second as number);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const conduit = of('conduit');
    const probe = of('conduit-probe-hooks');
    const apart = of('conduit-numbers-apart');
    const floor = of('floor');
    const ratio = (v: number[]) => v.map((c, i) => Math.round((c / floor[i]) * 1000) / 1000);
    summary[`lanes_${lanes}`] = {
      conduit_events_per_second: conduit,
      floor_events_per_second: floor,
      ratios: ratio(conduit),
      median_conduit: median(conduit),
      median_floor: median(floor),
      target_5000_met: median(conduit) >= 5000,
      experiment_probe_hooks_events_per_second: probe,
      experiment_probe_hooks_ratios: ratio(probe),
      experiment_probe_hooks_median: median(probe),
      experiment_numbers_apart_events_per_second: apart,
      experiment_numbers_apart_ratios: ratio(apart),
      experiment_numbers_apart_median: median(apart),
    };
  }
  const result = {
    check: {
      ...check,
      ...counts,
      conduit_items_served: servedToConduit,
      every_item_stored_once_and_attached:
        check.events === servedToConduit && check.distinct_items === check.events && check.unattached === 0,
    },
    summary,
    load_average_at_start: loadStart,
    load_average_at_end: load(),
  };
  console.log(JSON.stringify(result, null, 2));
  console.table(
    rows.map((r) => ({
      round: r.round,
      cmd: r.cmd,
      lanes: r.lanes,
      'events/s': r.events_per_second,
      'page p50': (r.page_store_ms as { p50: number }).p50,
      'page p95': (r.page_store_ms as { p95: number }).p95,
      'fetch p50': (r.page_fetch_ms as { p50: number }).p50,
      load: r.load_at_start,
    })),
  );
  return result;
}

async function listingPart(db: Awaited<ReturnType<typeof createBenchDatabase>>): Promise<Record<string, unknown>> {
  const config = parseConfig({ ...db.env });
  const tenant = randomUUID();
  await db.owner(`INSERT INTO tenants (id, code, name) VALUES ($1, 'bench', 'Bench')`, [tenant]);
  const others = Array.from({ length: OTHER_TENANTS }, () => randomUUID());
  for (const [i, id] of others.entries())
    await db.owner(`INSERT INTO tenants (id, code, name) VALUES ($1, $2, $2)`, [id, `other-${i}`]);
  const started = performance.now();
  // Per tenant: an integration, an instance (number 1), `cases` cases of that instance and `events` events:
  // the first 30% on case 1, the next 20% on cases 2-11, the rest spread over the others.
  const seedTenant = async (tenantId: string, events: number, cases: number) => {
    const integration = randomUUID();
    const instance = randomUUID();
    await db.owner(
      `INSERT INTO integrations (id, tenant_id, integration_id, title, category, fields, metadata)
       VALUES ($1, $2, 1, 'SIEM', 'SIEM', '[]', '{}')`,
      [integration, tenantId],
    );
    await db.owner(
      `INSERT INTO integration_instances (id, tenant_id, instance_id, integration_uuid, integration_id, title, base_url)
       VALUES ($1, $2, 1, $3, 1, 'SIEM prod', 'https://siem.example.test')`,
      [instance, tenantId, integration],
    );
    await db.owner(
      `INSERT INTO cases (id, tenant_id, case_id, title, severity, status, source, instance_uuid, case_key, created_at,
                          updated_at)
       SELECT gen_random_uuid(), $1, c, 'Case ' || c, (ARRAY['low','medium','high','critical'])[1 + c % 4], 'open',
              'instance', $2, 'host-' || c, timestamptz '2026-11-01' + c * interval '1 minute', now()
         FROM generate_series(1, $3::int) c`,
      [tenantId, instance, cases],
    );
    const big = Math.floor(events * 0.3);
    const tenEach = Math.floor((events * 0.2) / 10);
    await db.owner(
      `INSERT INTO case_events (id, tenant_id, case_id, source, instance_uuid, source_ref, external_id, title, severity,
                                occurred_at, raw, created_at)
       SELECT gen_random_uuid(), $1, c.id, 'instance', $2, $2, 'alrt-' || g, 'Rule ' || g % 17, 
              (ARRAY['info','low','medium','high'])[1 + g % 4], e.occurred_at,
              jsonb_build_object('id', 'alrt-' || g, 'rule', 'Rule ' || g % 17, 'level', 'low', 'host', 'host-' || e.n,
                'ts', e.occurred_at, 'src_ip', '10.0.' || (g % 255) || '.' || (g % 253), 'user', 'user' || g % 311,
                'message', 'Process powershell.exe spawned by winword.exe on host ' || e.n || ' (pid ' || g || ')'),
              e.occurred_at + interval '5 seconds'
         FROM generate_series(1, $3::int) g
         CROSS JOIN LATERAL (SELECT CASE WHEN g <= $4 THEN 1
                                         WHEN g <= $4 + 10 * $5 THEN 2 + (g - $4 - 1) / $5
                                         ELSE 12 + g % ($6::int - 11) END AS n,
                                    timestamptz '2026-12-01' - g * interval '2 seconds' AS occurred_at) e
         JOIN cases c ON c.tenant_id = $1 AND c.case_id = e.n`,
      [tenantId, instance, events, big, tenEach, cases],
    );
    await db.owner(
      `UPDATE cases c SET event_count = s.n, first_event_at = s.first, last_event_at = s.last
         FROM (SELECT case_id, count(*)::int AS n, min(occurred_at) AS first, max(occurred_at) AS last
                 FROM case_events WHERE tenant_id = $1 GROUP BY case_id) s
        WHERE c.id = s.case_id`,
      [tenantId],
    );
    await db.owner(`INSERT INTO case_counters (tenant_id, last_value) VALUES ($1, $2)`, [tenantId, cases]);
  };
  await seedTenant(tenant, EVENTS, CASES);
  for (const id of others) await seedTenant(id, OTHER_EVENTS, 200);
  await db.owner('VACUUM ANALYZE');
  const [seeded] = (await db.owner(
    `SELECT (SELECT count(*)::int FROM case_events) AS events,
            (SELECT count(*)::int FROM case_events WHERE tenant_id = $1) AS tenant_events,
            (SELECT count(*)::int FROM cases) AS cases,
            pg_size_pretty(pg_total_relation_size('case_events')) AS case_events_size`,
    [tenant],
  )) as Record<string, unknown>[];
  console.log(JSON.stringify({ seeded_seconds: round1((performance.now() - started) / 1000), ...seeded }));

  const ops = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  const user = await ops.get(OperatorService).createUser({
    email: EMAIL,
    password: 'bench-password-123',
    tenantCode: 'bench',
    role: 'analyst',
  });
  const { token } = ops.get(TokenService).issueAccessToken({
    userId: user.id,
    tenantId: asTenantId(tenant),
    role: 'analyst',
  });
  await ops.close();

  const loadStart = load();
  console.error(`listing: load average at start ${loadStart.join(' ')}`);
  let api: ApiProcess | undefined;
  const bare = new Client({ connectionString: db.url });
  try {
    api = await startApiProcess({ ...db.env, RATE_LIMIT_PER_MINUTE: '100000000' });
    await api.live();
    const base = api.url;
    const get = async (path: string): Promise<{ ms: number; body: any }> => {
      const t = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
      return { ms, body: JSON.parse(text) };
    };
    const measureHttp = async (path: string, repeat = REPEAT) => {
      for (let i = 0; i < 10; i += 1) await get(path); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < repeat; i += 1) ms.push((await get(path)).ms);
      return figures(ms);
    };
    await bare.connect();
    const measureSql = async (sql: string, params: unknown[], repeat = REPEAT) => {
      for (let i = 0; i < 10; i += 1) await bare.query(sql, params);
      const ms: number[] = [];
      for (let i = 0; i < repeat; i += 1) {
        const t = performance.now();
        await bare.query(sql, params);
        ms.push(performance.now() - t);
      }
      return figures(ms);
    };
    const caseOf = async (number: number) =>
      (
        (await db.owner(`SELECT id, event_count FROM cases WHERE tenant_id = $1 AND case_id = $2`, [
          tenant,
          number,
        ])) as { id: string; event_count: number }[]
      )[0];
    const big = await caseOf(1);
    const mid = await caseOf(2);
    const small = await caseOf(Math.min(CASES, 500));
    const rowAt = async (caseId: string, offset: number) =>
      (
        (await db.owner(
          `SELECT occurred_at, id FROM case_events WHERE tenant_id = $1 AND case_id = $2
            ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET $3`,
          [tenant, caseId, offset],
        )) as { occurred_at: Date; id: string }[]
      )[0];
    const deep = await rowAt(big.id, Math.floor(big.event_count / 2) - 1);
    const deepCursor = encodeCursor({ created_at: deep.occurred_at.toISOString(), id: deep.id });
    // The same statements the API sends (TypeORM's SELECT of the entity's columns), on an owner connection.
    const COLUMNS = `id, tenant_id, case_id, source, instance_uuid, inbound_source_id, source_ref, external_id, title,
        severity, status, occurred_at, raw, created_at`;
    const pageSql = (extra: string, limit: number) =>
      `SELECT ${COLUMNS} FROM case_events WHERE tenant_id = $1 AND case_id = $2 ${extra}
        ORDER BY occurred_at DESC, id DESC LIMIT ${limit}`;
    const sliceSql = (offset: number, limit: number) =>
      `SELECT ${COLUMNS} FROM case_events WHERE tenant_id = $1 AND case_id = $2
        ORDER BY occurred_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}`;
    const panelOf = (caseNumber: number, offset: number, limit: number) =>
      `/casepanel/v1/events/bench/1/${caseNumber}/${offset}/${limit}`;
    const reads: [string, string, string, unknown[]][] = [
      [
        `events, first page of 50 (case of ${big.event_count})`,
        `/api/v1/cases/${big.id}/events?limit=50`,
        pageSql('', 51),
        [tenant, big.id],
      ],
      [
        `events, cursor page at ${Math.floor(big.event_count / 2)} (same case)`,
        `/api/v1/cases/${big.id}/events?limit=50&cursor=${deepCursor}`,
        pageSql('AND (occurred_at, id) < ($3, $4)', 51),
        [tenant, big.id, deep.occurred_at, deep.id],
      ],
      [
        `events, first page of 200 (case of ${big.event_count})`,
        `/api/v1/cases/${big.id}/events?limit=200`,
        pageSql('', 201),
        [tenant, big.id],
      ],
      [
        `events, first page of 50 (case of ${mid.event_count})`,
        `/api/v1/cases/${mid.id}/events?limit=50`,
        pageSql('', 51),
        [tenant, mid.id],
      ],
      [
        `events, first page of 50 (case of ${small.event_count})`,
        `/api/v1/cases/${small.id}/events?limit=50`,
        pageSql('', 51),
        [tenant, small.id],
      ],
      ['case panel, offset 0, limit 50 (big case)', panelOf(1, 0, 50), sliceSql(0, 50), [tenant, big.id]],
      ['case panel, offset 0, limit 200 (big case)', panelOf(1, 0, 200), sliceSql(0, 200), [tenant, big.id]],
      ['case panel, offset 1,000, limit 50', panelOf(1, 1000, 50), sliceSql(1000, 50), [tenant, big.id]],
      ['case panel, offset 10,000, limit 50', panelOf(1, 10_000, 50), sliceSql(10_000, 50), [tenant, big.id]],
      [
        `case panel, offset ${Math.floor(big.event_count / 2)}, limit 50`,
        panelOf(1, Math.floor(big.event_count / 2), 50),
        sliceSql(Math.floor(big.event_count / 2), 50),
        [tenant, big.id],
      ],
      [
        `case panel, offset 0, limit 50 (case of ${small.event_count})`,
        panelOf(Math.min(CASES, 500), 0, 50),
        sliceSql(0, 50),
        [tenant, small.id],
      ],
    ];
    const floorPath = '/api/v1/subscriptions?limit=1';
    const floor = await measureHttp(floorPath);
    console.log(JSON.stringify({ http_floor: floor, path: floorPath }));
    const rows: Record<string, unknown>[] = [];
    for (const [label, path, sql, params] of reads) {
      // Deep offsets read (and skip) every row before them: fewer samples.
      const repeat = /offset (\d\d,|\d{5})/.test(label) ? Math.min(REPEAT, 40) : REPEAT;
      const conduit = await measureHttp(path, repeat);
      const sqlOnly = await measureSql(sql, params, repeat);
      const row = {
        case: label,
        conduit_p50_ms: conduit.p50,
        conduit_p95_ms: conduit.p95,
        conduit_max_ms: conduit.max,
        bare_sql_p50_ms: sqlOnly.p50,
        bare_sql_p95_ms: sqlOnly.p95,
        http_floor_p95_ms: floor.p95,
        samples: repeat,
        under_20ms_p95: conduit.p95 < 20,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    // An experiment for the panel's deep offsets (not Conduit's code): the offset walked over the index alone (an
    // index-only scan of case_events_case_idx, which holds every column the order and the skip need), then only the
    // page's rows read (a "deferred join"). Same rows, same order.
    const deferredSql = (offset: number, limit: number) =>
      `SELECT ${COLUMNS.replace(/(\w+)/g, 'e.$1')} FROM case_events e
         JOIN (SELECT id, occurred_at FROM case_events WHERE tenant_id = $1 AND case_id = $2
                ORDER BY occurred_at DESC, id DESC LIMIT ${limit} OFFSET ${offset}) p ON p.id = e.id
        ORDER BY p.occurred_at DESC, p.id DESC`;
    for (const offset of [10_000, Math.floor(big.event_count / 2)]) {
      const same = await bare.query(deferredSql(offset, 50), [tenant, big.id]);
      const plain = await bare.query(sliceSql(offset, 50), [tenant, big.id]);
      const sameRows =
        same.rows.map((r: { id: string }) => r.id).join() === plain.rows.map((r: { id: string }) => r.id).join();
      const sqlOnly = await measureSql(deferredSql(offset, 50), [tenant, big.id], Math.min(REPEAT, 40));
      const row = {
        case: `experiment: deferred join, offset ${offset}, limit 50 (bare SQL only)`,
        bare_sql_p50_ms: sqlOnly.p50,
        bare_sql_p95_ms: sqlOnly.p95,
        same_rows_as_the_panel: sameRows,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    // The plans of the list's two shapes and the panel's deep offset.
    for (const [label, sql, params] of [
      ['first page', pageSql('', 51), [tenant, big.id]],
      ['cursor page', pageSql('AND (occurred_at, id) < ($3, $4)', 51), [tenant, big.id, deep.occurred_at, deep.id]],
      ['panel offset 10,000', sliceSql(10_000, 50), [tenant, big.id]],
      ['panel offset 10,000, deferred join', deferredSql(10_000, 50), [tenant, big.id]],
    ] as [string, string, unknown[]][]) {
      const plan = (await bare.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params)).rows
        .map((r: Record<string, string>) => r['QUERY PLAN'])
        .join('\n');
      console.error(`-- plan: ${label}\n${plan}`);
    }
    const result = {
      ...machineFacts(),
      events: EVENTS,
      cases: CASES,
      other_tenants: OTHER_TENANTS,
      other_events_each: OTHER_EVENTS,
      repeat: REPEAT,
      http_floor: floor,
      load_average_at_start: loadStart,
      load_average_at_end: load(),
    };
    console.log(JSON.stringify(result));
    console.table(rows);
    return { ...result, rows };
  } finally {
    await bare.end().catch(() => undefined);
    await api?.stop();
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const db = await createBenchDatabase('cases');
  const config = parseConfig({ ...db.env });
  const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
  try {
    await migrateDatabase(config, API_MIGRATIONS);
    console.error(`machine: ${JSON.stringify({ ...machineFacts(), load: load() })}`);
    if (PART === 'all' || PART === 'ingest') await ingestPart(db);
    if (PART === 'all' || PART === 'listing') await listingPart(db);
  } finally {
    await deleteRedisPrefix(redis, db.env.REDIS_PREFIX);
    await redis.quit();
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
