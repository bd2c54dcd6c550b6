// bench/catalogue: GET /api/v1/integrations (first page, a later page, category and title filters) and
// GET /api/v1/integrations/{id} with BENCH_INTEGRATIONS (default 10,000) integrations in one tenant among
// BENCH_TENANTS (default 100) tenants holding BENCH_OTHERS_EACH (default 100) each, the measured tenant sitting below
// an MSSP that shares BENCH_SHARED (default 50) (so every read goes through the shared-catalogue lookup).
// Seeded as the owner with generate_series, then VACUUM ANALYZE.
// Conduit: the real API (apps/api/src/main.ts) in its own process, asked over HTTP by this process, sequentially.
// Baselines in the same run: the HTTP floor (an authenticated one-row list of another domain), and the bare SQL of
// each read (the same rows by the same index, one statement on an open owner connection, no HTTP, no RLS).
// Tasks: BENCH_TASKS_EACH (default 5) per integration of the measured tenant (50,000 with the defaults); measured are
// an integration's task list and a task by id.
// Run: node -r @swc-node/register bench/catalogue.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_INTEGRATIONS, BENCH_TENANTS, BENCH_OTHERS_EACH, BENCH_SHARED, BENCH_REPEAT (requests per figure,
//        default 200), BENCH_KEEP_DATABASE=1.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { TokenService } from '@conduit/auth';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { asTenantId, parseConfig } from '@conduit/platform';
import { OperatorService } from '@conduit/tenants';
import { CliModule } from '../src/cli.module';
import { ApiProcess, startApiProcess } from '../test/support/api-process';
import { createBenchDatabase, machineFacts, percentile, sleep } from './support';

const INTEGRATIONS = Number(process.env.BENCH_INTEGRATIONS ?? 10_000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const OTHERS_EACH = Number(process.env.BENCH_OTHERS_EACH ?? 100);
const SHARED = Number(process.env.BENCH_SHARED ?? 50);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 200);
const TASKS_EACH = Number(process.env.BENCH_TASKS_EACH ?? 5);
const EMAIL = 'bench@example.test';
const FIELDS = JSON.stringify([
  { name: 'api_url', label: 'API URL', type: 'url', required: true },
  { name: 'region', label: 'Region', type: 'select', options: ['eu', 'us'], required: false },
  { name: 'api_key', label: 'API key', type: 'secret', required: true },
]);
const SEED = `INSERT INTO integrations (id, tenant_id, integration_id, title, category, fields, metadata, shared, created_at, updated_at)
  SELECT gen_random_uuid(), $1, g, $2 || ' ' || g, (ARRAY['SIEM', 'EDR', 'ITSM', 'IAM'])[1 + g % 4], $3::jsonb,
         '{"vendor":"bench"}', $4, now() - g * interval '1 second', now()
    FROM generate_series(1, $5::int) g`;

// TASKS_EACH tasks per integration of the tenant, task_id numbered across the tenant.
const SEED_TASKS = `INSERT INTO tasks (id, tenant_id, integration_uuid, integration_id, task_id, name, task_tag, input_fields,
    output_fields, request, created_at, updated_at)
  SELECT gen_random_uuid(), i.tenant_id, i.id, i.integration_id, (i.integration_id - 1) * $2 + k, 'Task ' || k,
         'task_' || k, '[{"name":"query","label":"Query","type":"text","required":true}]',
         '[{"name":"ids","path":"$.items[*].id","type":"string","is_array":true}]',
         '{"method":"GET","path":"/search","query":{"q":"{{input.query}}"}}', i.created_at + k * interval '1 ms', now()
    FROM integrations i CROSS JOIN generate_series(1, $2::int) k
   WHERE i.tenant_id = $1`;

function figures(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return { p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), max: r(sorted.at(-1) ?? NaN) };
}

async function main(): Promise<void> {
  const db = await createBenchDatabase('catalogue');
  const config = parseConfig({ ...db.env });
  let api: ApiProcess | undefined;
  const bare = new Client({ connectionString: db.url });
  try {
    await migrateDatabase(config, API_MIGRATIONS);
    const mssp = randomUUID();
    const tenant = randomUUID();
    await db.owner(`INSERT INTO tenants (id, code, name) VALUES ($1, 'mssp', 'MSSP')`, [mssp]);
    await db.owner(`INSERT INTO tenants (id, code, name, parent_id) VALUES ($1, 'bench', 'Bench', $2)`, [tenant, mssp]);
    const others = Array.from({ length: TENANTS - 2 }, () => randomUUID());
    for (const [i, id] of others.entries())
      await db.owner(`INSERT INTO tenants (id, code, name) VALUES ($1, $2, $2)`, [id, `other-${i}`]);
    const started = performance.now();
    await db.owner(SEED, [tenant, 'Integration', FIELDS, false, INTEGRATIONS]);
    await db.owner(SEED, [mssp, 'Shared', FIELDS, true, SHARED]);
    for (const id of others) await db.owner(SEED, [id, 'Other', FIELDS, false, OTHERS_EACH]);
    await db.owner(SEED_TASKS, [tenant, TASKS_EACH]);
    await db.owner(
      `INSERT INTO catalogue_counters (tenant_id, kind, last_value)
       SELECT tenant_id, 'integration', max(integration_id) FROM integrations GROUP BY tenant_id
       UNION ALL SELECT tenant_id, 'task', max(task_id) FROM tasks GROUP BY tenant_id`,
    );
    await db.owner('VACUUM ANALYZE');
    const [{ n, tasks }] = (await db.owner(
      `SELECT (SELECT count(*)::int FROM integrations) AS n, (SELECT count(*)::int FROM tasks) AS tasks`,
    )) as { n: number; tasks: number }[];
    console.log(
      JSON.stringify({ seeded_seconds: Math.round((performance.now() - started) / 100) / 10, rows: n, tasks }),
    );

    const ops = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
    const user = await ops.get(OperatorService).createUser({
      email: EMAIL,
      password: 'bench-password-123',
      tenantCode: 'bench',
      role: 'analyst',
    });
    const { token } = ops
      .get(TokenService)
      .issueAccessToken({ userId: user.id, tenantId: asTenantId(tenant), role: 'analyst' });
    await ops.close();

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
    const measureHttp = async (path: string) => {
      for (let i = 0; i < 10; i += 1) await get(path); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < REPEAT; i += 1) ms.push((await get(path)).ms);
      return figures(ms);
    };
    await bare.connect();
    const measureSql = async (sql: string, params: unknown[]) => {
      for (let i = 0; i < 10; i += 1) await bare.query(sql, params);
      const ms: number[] = [];
      for (let i = 0; i < REPEAT; i += 1) {
        const t = performance.now();
        await bare.query(sql, params);
        ms.push(performance.now() - t);
      }
      return figures(ms);
    };

    const first = await get('/api/v1/integrations?limit=50');
    let cursor = first.body.next_cursor as string;
    for (let i = 0; i < 20; i += 1)
      cursor = (await get(`/api/v1/integrations?limit=50&cursor=${cursor}`)).body.next_cursor;
    const [{ id: someId }] = (await db.owner(
      `SELECT id FROM integrations WHERE tenant_id = $1 ORDER BY integration_id LIMIT 1 OFFSET $2`,
      [tenant, Math.floor(INTEGRATIONS / 2)],
    )) as { id: string }[];
    const [cursorAt] = (await db.owner(
      `SELECT created_at, id FROM integrations WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 1049`,
      [tenant],
    )) as { created_at: Date; id: string }[];
    const COLUMNS = `id, tenant_id, integration_id, title, description, version, category, status, fields, metadata,
        shared, generic_app, logo_content_type, logo_sha256, logo_size, created_by, created_at, updated_at, deleted_at`;
    // The bare SQL of a page: the tenant's rows and the shared ones above, each by the index in order, merged.
    const bareList = (extra: string) =>
      `SELECT * FROM (
         (SELECT ${COLUMNS} FROM integrations WHERE tenant_id = $1 AND deleted_at IS NULL ${extra}
           ORDER BY created_at DESC, id DESC LIMIT 51)
         UNION ALL
         (SELECT ${COLUMNS} FROM integrations WHERE tenant_id = ANY($2::uuid[]) AND shared AND deleted_at IS NULL ${extra}
           ORDER BY created_at DESC, id DESC LIMIT 51)) u
       ORDER BY created_at DESC, id DESC LIMIT 51`;
    const [someTask] = (await db.owner(
      `SELECT id, integration_uuid FROM tasks WHERE tenant_id = $1 AND integration_uuid = $2 ORDER BY task_id LIMIT 1`,
      [tenant, someId],
    )) as { id: string; integration_uuid: string }[];
    const TASK_COLUMNS = `id, tenant_id, integration_uuid, integration_id, task_id, name, task_tag, description,
        input_fields, output_fields, depends_on, request, execution_order, error_handling, ingest_cases,
        case_ingestion_config, status, created_by, created_at, updated_at, deleted_at`;
    const cases: [string, string, string, unknown[]][] = [
      ['list, first page (50)', '/api/v1/integrations?limit=50', bareList(''), [tenant, [mssp]]],
      [
        'list, 22nd page (cursor)',
        `/api/v1/integrations?limit=50&cursor=${cursor}`,
        bareList('AND (created_at, id) < ($3, $4)'),
        [tenant, [mssp], cursorAt.created_at, cursorAt.id],
      ],
      [
        'list, category=EDR',
        '/api/v1/integrations?limit=50&category=EDR',
        bareList('AND lower(category) = lower($3)'),
        [tenant, [mssp], 'EDR'],
      ],
      [
        'list, q=9999',
        '/api/v1/integrations?limit=50&q=9999',
        bareList('AND title ILIKE $3'),
        [tenant, [mssp], '%9999%'],
      ],
      [
        'get by id',
        `/api/v1/integrations/${someId}`,
        `SELECT ${COLUMNS} FROM integrations WHERE id = $1 AND deleted_at IS NULL`,
        [someId],
      ],
      // The service reads the integration, then its tasks: the bare baseline does both statements' work in one.
      [
        "tasks: an integration's list",
        `/api/v1/integrations/${someId}/tasks?limit=50`,
        `SELECT ${TASK_COLUMNS} FROM tasks WHERE tenant_id = $1 AND integration_uuid = $2 AND deleted_at IS NULL
          ORDER BY created_at DESC, id DESC LIMIT 51`,
        [tenant, someId],
      ],
      [
        'tasks: get by id',
        `/api/v1/integrations/${someId}/tasks/${someTask.id}`,
        `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
        [someTask.id, tenant],
      ],
    ];
    const floorPath = '/api/v1/subscriptions?limit=1';
    const floor = await measureHttp(floorPath);
    console.log(JSON.stringify({ http_floor: floor, path: floorPath }));
    const rows: Record<string, unknown>[] = [];
    for (const [label, path, sql, params] of cases) {
      const conduit = await measureHttp(path);
      const sqlOnly = await measureSql(sql, params);
      const row = {
        case: label,
        conduit_p50_ms: conduit.p50,
        conduit_p95_ms: conduit.p95,
        conduit_max_ms: conduit.max,
        bare_sql_p50_ms: sqlOnly.p50,
        bare_sql_p95_ms: sqlOnly.p95,
        http_floor_p95_ms: floor.p95,
        under_20ms_p95: conduit.p95 < 20,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    console.log(
      JSON.stringify({
        ...machineFacts(),
        integrations: INTEGRATIONS,
        tasks: INTEGRATIONS * TASKS_EACH,
        tenants: TENANTS,
        repeat: REPEAT,
      }),
    );
    console.table(rows);
  } finally {
    await bare.end().catch(() => undefined);
    await api?.stop();
    await sleep(100);
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
