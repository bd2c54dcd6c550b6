// bench/dedicated-latency: a dedicated-database tenant's ingest and API latency against a shared tenant's, in the same
// run (issue 21, "Done when": within 10%). Two processes: this one is only the load generator (autocannon); the API
// (apps/api/src/main.ts through @swc-node/register, production settings) runs in a child of its own on a fresh core
// database, with a second database on the same local cluster as the dedicated tenant's (DEDICATED_DATABASE_HOSTS =
// 127.0.0.1, the same pool size as the core pool). Seeded through the API: tenants `shared` and `dedi`, a tenant admin
// and an API key each, 20 subscriptions each (one matching the published type), a seed-HMAC source each; then the
// platform admin makes `dedi` dedicated (PUT /api/v1/tenants/{id}/isolation).
// Per route (receive, publish, list) a warm-up of both tenants, then BENCH_ROUNDS rounds in which the shared and the
// dedicated tenant run at the same time with half the connections each (BENCH_MODE=together, the default: the
// machine's drift hits both in the same seconds) or back to back, which goes first alternating (alternate).
// Reports requests/s, p50 and p95 (from every response's time) per round and as medians, the dedicated/shared ratios
// (latency: lower is better; throughput: higher is better) against the 10% target, and checks that every
// 2xx receive and publish of the dedicated tenant was committed in its own database and none in the core one.
// Run: node -r @swc-node/register bench/dedicated-latency.ts   (local PostgreSQL and Redis like `npm test`; a quiet
//      machine: the 1-minute load average is printed and warned about above 1.0)
// Knobs: BENCH_SECONDS per phase (default 2), BENCH_ROUNDS (default 16), BENCH_WARMUP_SECONDS (default 2),
//        BENCH_CONNECTIONS (default 16), BENCH_POOL_SIZE (DATABASE_POOL_SIZE and DEDICATED_POOL_SIZE, default 10),
//        BENCH_ROUTES (comma list of receive, publish, list; default all), BENCH_MODE (together, the default: both
//        tenants at once with half the connections each, so the machine's drift hits both in the same seconds;
//        alternate: one after the other in each round), BENCH_KEEP_DATABASE=1, BENCH_PROBE=1 (one request of each
//        route per tenant, timed, then stop) with BENCH_LOG_STATEMENTS=1 (log_statement = all on both databases, to
//        read in the server's log what each request sent where).
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import IORedis from 'ioredis';
import { parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { signLoki } from '@conduit/signatures';
import { freePort } from '../test/support/processes';
import { ADMIN_URL, ROOT, createBenchDatabase, machineFacts, percentile, query, sleep } from './support';
import { apiCall } from './bench-api';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 16);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** alternate: one tenant then the other in each round; together: both at once, half the connections each. */
const MODE = (process.env.BENCH_MODE ?? 'together') as 'alternate' | 'together';
if (!['alternate', 'together'].includes(MODE)) throw new Error(`BENCH_MODE: ${MODE}`);
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);
const SUBSCRIPTIONS = 20;
const EVENT_TYPE = 'order.created';
const TARGET = 0.1;
const ADMIN = { email: 'admin@bench.test', password: 'bench-admin-password-123' };

type Side = 'shared' | 'dedicated';
type RouteName = 'receive' | 'publish' | 'list';
const ROUTE_NAMES: RouteName[] = ['receive', 'publish', 'list'];
const SELECTED = (process.env.BENCH_ROUTES ?? ROUTE_NAMES.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as RouteName[];
for (const name of SELECTED) if (!ROUTE_NAMES.includes(name)) throw new Error(`BENCH_ROUTES: unknown route ${name}`);

interface Figures {
  requests_per_second: number;
  p50_ms: number;
  p95_ms: number;
  errors: number;
  ok_2xx: number;
}

interface TenantSeed {
  tenantId: string;
  apiKey: string;
  source: { id: string; secret: string; ingestPath: string };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** One phase of load; p50/p95 from every response's time; the id of every 2xx answer to `ids`. */
function load(
  opts: autocannon.Options,
  seconds: number,
  ids?: string[],
  field = 'id',
  connections = CONNECTIONS,
): Promise<Figures> {
  const times: number[] = [];
  const requests = ids
    ? [
        {
          onResponse: (status: number, body: string) => {
            if (status >= 200 && status < 300) ids.push((JSON.parse(body) as Record<string, string>)[field]);
          },
        },
      ]
    : undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { ...opts, requests, connections, duration: seconds },
      (err: Error | null, result: autocannon.Result) => {
        if (err) return reject(err);
        times.sort((a, b) => a - b);
        resolve({
          requests_per_second: Math.round(result.requests.average),
          p50_ms: round3(percentile(times, 50)),
          p95_ms: round3(percentile(times, 95)),
          errors: result.errors + result.timeouts + result.non2xx,
          ok_2xx: result['2xx'],
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
      times.push(responseTime),
    );
  });
}

// ---- processes ----------------------------------------------------------------------------------------------------

const undo: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of undo.reverse()) await step().catch((err: unknown) => console.error('cleanup:', err));
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function startApi(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  undo.push(() => stopChild(child));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}): ${tail}`);
    const live = await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (live) return { child, url };
    if (Date.now() > deadline) throw new Error(`the API is not live after 120 s: ${tail}`);
    await sleep(200);
  }
}

// ---- seeding through the API --------------------------------------------------------------------------------------

const call = apiCall;

async function seedTenant(base: string, asAdmin: Record<string, string>, code: string): Promise<TenantSeed> {
  type Token = { access_token: string };
  const tenant = await call<{ id: string }>(base, 'POST', '/api/v1/tenants', { code, name: code }, asAdmin);
  const user = { email: `admin@${code}.test`, password: 'bench-password-123' };
  await call(
    base,
    'POST',
    '/api/v1/users',
    { ...user, role: 'tenant_admin' },
    { ...asAdmin, 'x-tenant-id': tenant.id },
  );
  const { access_token: jwt } = await call<Token>(base, 'POST', '/api/v1/auth/login', user);
  const asUser = { authorization: `Bearer ${jwt}` };
  const { key } = await call<{ key: string }>(
    base,
    'POST',
    '/api/v1/api-keys',
    { name: 'bench', scopes: ['*'] },
    asUser,
  );
  return { tenantId: tenant.id, apiKey: key, source: { id: '', secret: '', ingestPath: '' } };
}

/** Subscriptions and a source, once the tenant is where it will stay (the dedicated one: after the switch). */
async function seedData(base: string, t: TenantSeed): Promise<void> {
  const asKey = { 'x-api-key': t.apiKey };
  for (let n = 0; n < SUBSCRIPTIONS; n++)
    await call(
      base,
      'POST',
      '/api/v1/subscriptions',
      {
        app_name: `bench-${n}`,
        target_url: `http://127.0.0.1:9/hooks/${n}`,
        event_types: [n === 0 ? EVENT_TYPE : `bench.unmatched-${n}`],
      },
      asKey,
    );
  type Source = { id: string; secret: string; ingest_url: string };
  const source = await call<Source>(base, 'POST', '/api/v1/sources', { name: 'bench', provider: 'hmac' }, asKey);
  t.source = { id: source.id, secret: source.secret, ingestPath: new URL(source.ingest_url).pathname };
}

function request(api: string, route: RouteName, t: TenantSeed): autocannon.Options {
  const json = { 'content-type': 'application/json' };
  switch (route) {
    case 'receive': {
      const body = JSON.stringify({ type: EVENT_TYPE, data: { id: 'o_1', total: 120, items: [{ sku: 'A' }] } });
      // Signed when the phase starts: the source accepts timestamps within five minutes.
      return {
        url: `${api}${t.source.ingestPath}`,
        method: 'POST',
        body,
        headers: { ...json, ...signLoki(body, t.source.secret, new Date(), EVENT_TYPE) },
      };
    }
    case 'publish':
      return {
        url: `${api}/api/v1/events`,
        method: 'POST',
        body: JSON.stringify({ event_name: EVENT_TYPE, payload: { order_id: 'o_1', total: 120 } }),
        headers: { ...json, 'x-api-key': t.apiKey },
      };
    case 'list':
      return { url: `${api}/api/v1/subscriptions?limit=50`, headers: { 'x-api-key': t.apiKey } };
  }
}

// ---- the run ------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const load1 = loadavg()[0];
  console.error(
    `load average before starting: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  if (load1 > 1) console.error(`WARNING: 1-minute load average ${load1.toFixed(2)} > 1.0: ratios are unreliable`);
  const db = await createBenchDatabase('dedi');
  undo.push(() => db.drop());
  const dedicatedName = `${db.name}_ded`;
  await query(ADMIN_URL, `CREATE DATABASE ${dedicatedName}`);
  undo.push(async () => {
    if (!process.env.BENCH_KEEP_DATABASE)
      await query(ADMIN_URL, `DROP DATABASE IF EXISTS ${dedicatedName} WITH (FORCE)`);
  });
  const dedicatedUrl = new URL(ADMIN_URL);
  dedicatedUrl.pathname = `/${dedicatedName}`;
  const env: Record<string, string> = {
    ...db.env,
    MIGRATE_ON_START: 'true',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    DEDICATED_POOL_SIZE: String(POOL_SIZE),
    DEDICATED_DATABASE_HOSTS: dedicatedUrl.hostname,
    JWT_ACCESS_TTL_SECONDS: '86400',
    CONDUIT_ADMIN_EMAIL: ADMIN.email,
    CONDUIT_ADMIN_PASSWORD: ADMIN.password,
  };
  if (process.env.BENCH_LOG_STATEMENTS) {
    // Every statement of both databases in the server's log, for reading what one request sends where.
    for (const name of [db.name, dedicatedName])
      await query(ADMIN_URL, `ALTER DATABASE ${name} SET log_statement = 'all'`);
  }
  const config = parseConfig(env);
  undo.push(async () => {
    const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
    try {
      await deleteRedisPrefix(redis, config.REDIS_PREFIX);
    } finally {
      redis.disconnect();
    }
  });

  const api = await startApi(env);
  const admin = await call<{ access_token: string }>(api.url, 'POST', '/api/v1/auth/login', ADMIN);
  const asAdmin = { authorization: `Bearer ${admin.access_token}` };
  const tenants: Record<Side, TenantSeed> = {
    shared: await seedTenant(api.url, asAdmin, 'shared'),
    dedicated: await seedTenant(api.url, asAdmin, 'dedi'),
  };
  await call(
    api.url,
    'PUT',
    `/api/v1/tenants/${tenants.dedicated.tenantId}/isolation`,
    { isolation: 'dedicated', database_url: dedicatedUrl.toString() },
    asAdmin,
  );
  await seedData(api.url, tenants.shared);
  await seedData(api.url, tenants.dedicated);

  if (process.env.BENCH_PROBE) {
    // One request of each route per tenant, one at a time, with the time it was sent, and nothing else.
    for (const route of SELECTED)
      for (const side of ['shared', 'dedicated', 'shared', 'dedicated'] as Side[]) {
        const r = request(api.url, route, tenants[side]);
        await sleep(500);
        const started = new Date().toISOString();
        const t0 = performance.now();
        const res = await fetch(r.url as string, {
          method: r.method ?? 'GET',
          headers: r.headers as Record<string, string>,
          body: r.body as string,
        });
        await res.text();
        console.error(
          `probe ${route} ${side} at ${started}: ${res.status} in ${(performance.now() - t0).toFixed(2)} ms`,
        );
      }
    return;
  }
  const answered: Record<'receive' | 'publish', Record<Side, string[]>> = {
    receive: { shared: [], dedicated: [] },
    publish: { shared: [], dedicated: [] },
  };
  const phase = async (route: RouteName, side: Side, seconds: number, what: string, connections = CONNECTIONS) => {
    const ids = route === 'list' ? undefined : answered[route][side];
    const field = route === 'receive' ? 'event_id' : 'id';
    const f = await load(request(api.url, route, tenants[side]), seconds, ids, field, connections);
    if (api.child.exitCode !== null) throw new Error('the API exited during the run');
    console.error(
      `${what.padEnd(8)} ${route.padEnd(8)} ${side.padEnd(9)} ${String(f.requests_per_second).padStart(6)} req/s` +
        `  p50 ${f.p50_ms} ms  p95 ${f.p95_ms} ms  errors ${f.errors}`,
    );
    return f;
  };

  type Round = Record<Side, Figures> & { first: Side };
  const rounds: Record<string, Round[]> = Object.fromEntries(SELECTED.map((r) => [r, []]));
  for (const route of SELECTED) {
    await phase(route, 'shared', WARMUP_SECONDS, 'warm-up');
    await phase(route, 'dedicated', WARMUP_SECONDS, 'warm-up');
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const route of SELECTED) {
      const order: Side[] = round % 2 === 0 ? ['shared', 'dedicated'] : ['dedicated', 'shared'];
      const figures: Partial<Record<Side, Figures>> = {};
      if (MODE === 'together') {
        const half = Math.max(1, Math.floor(CONNECTIONS / 2));
        const [a, b] = await Promise.all(order.map((side) => phase(route, side, SECONDS, `round ${round + 1}`, half)));
        figures[order[0]] = a;
        figures[order[1]] = b;
      } else for (const side of order) figures[side] = await phase(route, side, SECONDS, `round ${round + 1}`);
      rounds[route].push({ ...(figures as Record<Side, Figures>), first: order[0] });
    }
  }

  const medians = SELECTED.map((route) => {
    const rs = rounds[route];
    const m = (side: Side, key: keyof Figures) => median(rs.map((r) => r[side][key]));
    const ratio = (key: keyof Figures) => round3(median(rs.map((r) => r.dedicated[key] / r.shared[key])));
    return {
      route,
      shared_rps: m('shared', 'requests_per_second'),
      dedicated_rps: m('dedicated', 'requests_per_second'),
      shared_p50_ms: m('shared', 'p50_ms'),
      dedicated_p50_ms: m('dedicated', 'p50_ms'),
      shared_p95_ms: m('shared', 'p95_ms'),
      dedicated_p95_ms: m('dedicated', 'p95_ms'),
      rps_ratio: ratio('requests_per_second'),
      p50_ratio: ratio('p50_ms'),
      p95_ratio: ratio('p95_ms'),
      errors: rs.reduce((n, r) => n + r.shared.errors + r.dedicated.errors, 0),
    };
  });

  // Every 2xx write of the dedicated tenant committed in its own database, none in the core one.
  const dedicatedSql = (sql: string, params: unknown[]) => query(dedicatedUrl.toString(), sql, params);
  const count = async (run: typeof dedicatedSql, table: string, ids: string[]) =>
    Number((await run(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]))[0].n);
  const placement: Record<string, unknown>[] = [];
  for (const [route, table] of [
    ['receive', 'inbound_events'],
    ['publish', 'webhook_events'],
  ] as const) {
    if (!SELECTED.includes(route)) continue;
    const ids = answered[route].dedicated;
    placement.push({
      route,
      answered_2xx: ids.length,
      in_dedicated_database: await count(dedicatedSql, table, ids),
      in_core_database: await count(db.owner, table, ids),
      shared_in_core: await count(db.owner, table, answered[route].shared),
    });
  }

  const targets = medians.flatMap((m) => [
    {
      target: `${m.route}: dedicated p50 within 10% of shared`,
      measured: m.p50_ratio,
      pass: m.p50_ratio <= 1 + TARGET,
    },
    {
      target: `${m.route}: dedicated p95 within 10% of shared`,
      measured: m.p95_ratio,
      pass: m.p95_ratio <= 1 + TARGET,
    },
    {
      target: `${m.route}: dedicated req/s within 10% of shared`,
      measured: m.rps_ratio,
      pass: m.rps_ratio >= 1 - TARGET,
    },
    { target: `${m.route}: 0 errors`, measured: m.errors, pass: m.errors === 0 },
  ]);
  for (const p of placement)
    targets.push({
      target: `${String(p.route)}: every 2xx of the dedicated tenant in its database, none in the core one`,
      measured: `${String(p.in_dedicated_database)} of ${String(p.answered_2xx)}; ${String(p.in_core_database)} in core`,
      pass: p.in_dedicated_database === p.answered_2xx && p.in_core_database === 0,
    } as never);

  // The tables on stderr, the result as JSON on stdout.
  console.error(medians);
  console.error(targets);
  console.log(
    JSON.stringify(
      {
        machine: machineFacts(),
        load_average_before: load1,
        load_average_after: loadavg().map((n) => Number(n.toFixed(2))),
        connections: CONNECTIONS,
        mode: MODE,
        seconds_per_phase: SECONDS,
        rounds_count: ROUNDS,
        pool_size: POOL_SIZE,
        rounds,
        median: medians,
        placement,
        targets,
        all_targets_met: targets.every((t) => t.pass),
      },
      null,
      2,
    ),
  );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => void cleanup());
