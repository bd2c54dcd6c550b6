// bench/api: the API's request plane under load, route by route, against baselines measured in the same run.
// Three processes: this one is only the load generator (autocannon, 64 connections); the BUILT API
// (dist/apps/api/main.js, production settings, request logs on, written to BENCH_API_LOG) runs in a child of its own
// with a fresh database; the baselines (bench/api-baselines.ts: a bare Fastify route, and bare Fastify + `pg` routes
// doing the least database work each Conduit route needs, same pool size, same runtime role) run in another child.
// Seeded through the API: a tenant, a tenant_admin (JWT), an API key, 200 subscriptions (one matching the published
// event type), two seed-HMAC sources (Conduit's, and one for the receive baseline's rows).
// Per route a warm-up, then BENCH_ROUNDS rounds in which the route and its baseline run back to back (which goes first
// alternates). Reports requests/s, p50, p99, errors and the ratio per round and as medians, both processes' peak RSS,
// checks that every 2xx publish and receive was committed, and prints the targets of issue 14 as pass/fail.
// Run: node -r @swc-node/register bench/api.ts   (needs local PostgreSQL and Redis like `npm test`; a quiet machine)
// Knobs: BENCH_SECONDS per phase (default 10), BENCH_ROUNDS (default 3), BENCH_WARMUP_SECONDS per route and baseline
//        (default 3), BENCH_POOL_SIZE (DATABASE_POOL_SIZE of the API and the baselines' pool, default 10),
//        BENCH_ROUTES (comma list of health, me-jwt, me-key, list, publish, receive; default all),
//        BENCH_NO_BUILD=1 (use the existing dist/apps/api/main.js), BENCH_API_NODE_ARGS (node flags of the API, e.g.
//        "--cpu-prof --cpu-prof-dir=/tmp/prof"; the profile is written when the API exits at the end),
//        BENCH_API_LOG (where the API's stdout, its request logs, goes; default /dev/null), BENCH_KEEP_DATABASE=1.
import autocannon from 'autocannon';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { resolveDatabaseUrls } from '@conduit/database';
import { parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { signLoki } from '@conduit/signatures';
import { freePort } from '../test/support/processes';
import { createBenchDatabase, machineFacts, ROOT, sleep } from './support';
import { apiCall } from './bench-api';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);
const NO_BUILD = Boolean(process.env.BENCH_NO_BUILD);
const API_NODE_ARGS = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
const API_LOG = process.env.BENCH_API_LOG ?? '/dev/null';
const CONNECTIONS = 64;
const SUBSCRIPTIONS = 200;
const EVENT_TYPE = 'order.created';
/** The `source` of the baseline's events, to count them apart from Conduit's (whose source is the default, api). */
const BASELINE_EVENT_SOURCE = 'bench-baseline';
const ADMIN = { email: 'admin@bench.test', password: 'bench-admin-password-123' };
const USER = { email: 'bench@example.test', password: 'bench-password-123' };
const TARGETS = { ratio: 0.5, receiveRatio: 0.8, readP99Ms: 25, writeP99Ms: 30, errors: 0, apiRssMb: 250 };

type Side = 'conduit' | 'baseline';
type RouteName = 'health' | 'me-jwt' | 'me-key' | 'list' | 'publish' | 'receive';
const ROUTE_NAMES: RouteName[] = ['health', 'me-jwt', 'me-key', 'list', 'publish', 'receive'];
const SELECTED = (process.env.BENCH_ROUTES ?? ROUTE_NAMES.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const name of SELECTED) {
  if (!ROUTE_NAMES.includes(name as RouteName)) throw new Error(`BENCH_ROUTES: unknown route ${name}`);
}

interface Figures {
  requests_per_second: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  /** errors + timeouts + non-2xx answers */
  errors: number;
  ok_2xx: number;
}

interface Route {
  name: RouteName;
  label: string;
  kind: 'read' | 'write';
  baselineLabel: string;
  minRatio: number;
  /** Built per phase: the receive path's signature is only good for five minutes. */
  conduit: () => autocannon.Options;
  baseline: () => autocannon.Options;
}

interface Seed {
  tenantId: string;
  userId: string;
  jwt: string;
  apiKey: string;
  matchingSubscriptionId: string;
  source: { id: string; secret: string; ingestPath: string };
  baselineSourceId: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * One phase of load. `onOk` gets the body of every 2xx answer (autocannon keeps each body anyway); requests still in
 * flight when the phase ends are abandoned unanswered, so they count in neither `ok_2xx` nor `onOk`.
 */
function load(opts: autocannon.Options, seconds: number, onOk?: (body: string) => void): Promise<Figures> {
  const requests = onOk
    ? [{ onResponse: (status: number, body: string) => (status >= 200 && status < 300 ? onOk(body) : undefined) }]
    : undefined;
  return new Promise((resolve, reject) => {
    autocannon({ ...opts, requests, connections: CONNECTIONS, duration: seconds }, (err, result) => {
      if (err) return reject(err);
      resolve({
        requests_per_second: Math.round(result.requests.average),
        latency_p50_ms: result.latency.p50,
        latency_p99_ms: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
        ok_2xx: result['2xx'],
      });
    });
  });
}

// ---- processes ----------------------------------------------------------------------------------------------------

/** Everything started or created, undone once, in reverse order: at the end, on failure, or on SIGINT/SIGTERM. */
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

interface Child {
  process: ChildProcess;
  /** The last few kilobytes of its stderr (and stdout when not redirected). */
  tail: () => string;
}

function startChild(args: string[], env: Record<string, string>, stdout: 'pipe' | number): Child {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  let tail = '';
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4000));
  child.stderr?.on('data', keep);
  child.stdout?.on('data', keep);
  undo.push(() => stopChild(child));
  return { process: child, tail: () => tail };
}

/** SIGTERM (the API shuts down gracefully and writes a --cpu-prof profile), SIGKILL after 20 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function assertRunning(child: Child, name: string): void {
  if (child.process.exitCode !== null || child.process.signalCode !== null) {
    const how = child.process.signalCode ? `signal ${child.process.signalCode}` : `code ${child.process.exitCode}`;
    const logs =
      name !== 'the API'
        ? ''
        : API_LOG === '/dev/null'
          ? ' (BENCH_API_LOG=<file> keeps its logs)'
          : ` (logs: ${API_LOG})`;
    throw new Error(`${name} exited during the run, ${how}${logs}: ${child.tail()}`);
  }
}

function buildApi(): void {
  if (NO_BUILD) {
    if (!existsSync(join(ROOT, 'dist/apps/api/main.js'))) throw new Error('BENCH_NO_BUILD: no dist/apps/api/main.js');
    return;
  }
  console.error('building the API (npx nest build api)');
  const built = spawnSync('npx', ['nest', 'build', 'api'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) throw new Error(`nest build api failed (${built.status ?? built.signal})`);
}

async function startApi(env: Record<string, string>): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  // dist/apps/api/main.js started through a symlink of another name (node runs, and resolves modules from, the real
  // file): on a shared machine another session stopping "its" API by name (pkill -f dist/apps/api/main.js) stopped
  // this one too, mid-run.
  const dir = mkdtempSync(join(tmpdir(), 'conduit-bench-'));
  undo.push(async () => rmSync(dir, { recursive: true, force: true }));
  const entry = join(dir, 'api-under-bench.js');
  symlinkSync(join(ROOT, 'dist/apps/api/main.js'), entry);
  const log = openSync(API_LOG, 'a');
  const child = startChild([...API_NODE_ARGS, entry], { ...env, PORT: String(port) }, log);
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    assertRunning(child, 'the API');
    const live = await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (live) return { child, url };
    if (Date.now() > deadline) throw new Error(`the API is not live after 120 s: ${child.tail()}`);
    await sleep(200);
  }
}

async function startBaselines(env: Record<string, string>): Promise<{ child: Child; url: string }> {
  const child = startChild(['-r', '@swc-node/register', 'bench/api-baselines.ts'], env, 'pipe');
  const stdout = child.process.stdout as NonNullable<ChildProcess['stdout']>;
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`baselines not listening: ${child.tail()}`)), 60_000);
    stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^\{"port":(\d+)\}$/m.exec(out);
      if (line) {
        clearTimeout(timer);
        resolve(Number(line[1]));
      }
    });
    child.process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`baselines exited (${code}): ${child.tail()}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Peak VmRSS of each process, sampled from /proc every 200 ms. */
function sampleRss(pids: Record<string, number>): { stop: () => Record<string, { peak_mb: number; idle_mb: number }> } {
  const peaks: Record<string, { peak_mb: number; idle_mb: number }> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      let kb: number;
      try {
        kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        continue; // exited
      }
      const mb = Math.round(kb / 1024);
      peaks[name] ??= { peak_mb: mb, idle_mb: mb };
      peaks[name].peak_mb = Math.max(peaks[name].peak_mb, mb);
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  undo.push(async () => clearInterval(timer));
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

// ---- seeding through the API --------------------------------------------------------------------------------------

const call = apiCall;

async function seed(base: string): Promise<Seed> {
  type Token = { access_token: string };
  const admin = await call<Token>(base, 'POST', '/api/v1/auth/login', ADMIN);
  const asAdmin = { authorization: `Bearer ${admin.access_token}` };
  const tenant = await call<{ id: string }>(base, 'POST', '/api/v1/tenants', { code: 'bench', name: 'Bench' }, asAdmin);
  const user = await call<{ id: string }>(
    base,
    'POST',
    '/api/v1/users',
    { ...USER, role: 'tenant_admin' },
    { ...asAdmin, 'x-tenant-id': tenant.id },
  );
  const { access_token: jwt } = await call<Token>(base, 'POST', '/api/v1/auth/login', USER);
  const asUser = { authorization: `Bearer ${jwt}` };
  const { key } = await call<{ key: string }>(
    base,
    'POST',
    '/api/v1/api-keys',
    { name: 'bench', scopes: ['*'] },
    asUser,
  );
  // 200 subscriptions, the first matching the published type; receivers need not exist (no worker runs).
  const ids: string[] = [];
  for (let i = 0; i < SUBSCRIPTIONS; i += 8) {
    const batch = Array.from({ length: Math.min(8, SUBSCRIPTIONS - i) }, (_, j) => i + j);
    const created = await Promise.all(
      batch.map((n) =>
        call<{ id: string }>(
          base,
          'POST',
          '/api/v1/subscriptions',
          {
            app_name: `bench-${n}`,
            target_url: `http://127.0.0.1:9/hooks/${n}`,
            event_types: [n === 0 ? EVENT_TYPE : `bench.unmatched-${n}`],
          },
          asUser,
        ),
      ),
    );
    ids.push(...created.map((s) => s.id));
  }
  type Source = { id: string; secret: string; ingest_url: string };
  const source = await call<Source>(base, 'POST', '/api/v1/sources', { name: 'bench', provider: 'hmac' }, asUser);
  const baselineSource = await call<Source>(
    base,
    'POST',
    '/api/v1/sources',
    { name: 'bench-baseline', provider: 'hmac' },
    asUser,
  );
  return {
    tenantId: tenant.id,
    userId: user.id,
    jwt,
    apiKey: key,
    matchingSubscriptionId: ids[0],
    source: { id: source.id, secret: source.secret, ingestPath: new URL(source.ingest_url).pathname },
    baselineSourceId: baselineSource.id,
  };
}

// ---- routes -------------------------------------------------------------------------------------------------------

function routes(api: string, bare: string, s: Seed): Route[] {
  const json = { 'content-type': 'application/json' };
  const publishBody = JSON.stringify({ event_name: EVENT_TYPE, payload: { order_id: 'o_1', total: 120 } });
  const receiveBody = JSON.stringify({ type: EVENT_TYPE, data: { id: 'o_1', total: 120, items: [{ sku: 'A' }] } });
  const all: Route[] = [
    {
      name: 'health',
      label: 'GET /health/live',
      kind: 'read',
      baselineLabel: 'bare Fastify',
      minRatio: TARGETS.ratio,
      conduit: () => ({ url: `${api}/health/live` }),
      baseline: () => ({ url: `${bare}/bare` }),
    },
    {
      name: 'me-jwt',
      label: 'GET /api/v1/auth/me (JWT)',
      kind: 'read',
      baselineLabel: 'read (user row, set_config)',
      minRatio: TARGETS.ratio,
      conduit: () => ({ url: `${api}/api/v1/auth/me`, headers: { authorization: `Bearer ${s.jwt}` } }),
      baseline: () => ({ url: `${bare}/read` }),
    },
    {
      name: 'me-key',
      label: 'GET /api/v1/auth/me (API key)',
      kind: 'read',
      baselineLabel: 'read (user row, set_config)',
      minRatio: TARGETS.ratio,
      conduit: () => ({ url: `${api}/api/v1/auth/me`, headers: { 'x-api-key': s.apiKey } }),
      baseline: () => ({ url: `${bare}/read` }),
    },
    {
      name: 'list',
      label: 'GET /api/v1/subscriptions?limit=50 (API key)',
      kind: 'read',
      baselineLabel: 'list (51 rows, set_config)',
      minRatio: TARGETS.ratio,
      conduit: () => ({ url: `${api}/api/v1/subscriptions?limit=50`, headers: { 'x-api-key': s.apiKey } }),
      baseline: () => ({ url: `${bare}/list` }),
    },
    {
      name: 'publish',
      label: 'POST /api/v1/events (API key)',
      kind: 'write',
      baselineLabel: 'publish (event + delivery, set_config)',
      minRatio: TARGETS.ratio,
      conduit: () => ({
        url: `${api}/api/v1/events`,
        method: 'POST',
        body: publishBody,
        headers: { ...json, 'x-api-key': s.apiKey },
      }),
      baseline: () => ({ url: `${bare}/publish`, method: 'POST', body: publishBody, headers: json }),
    },
    {
      name: 'receive',
      label: `POST ${s.source.ingestPath.replace(/[^/]+$/, '{key}')} (seed HMAC)`,
      kind: 'write',
      baselineLabel: 'receive (one insert)',
      minRatio: TARGETS.receiveRatio,
      // Signed when the phase starts: the source accepts timestamps within five minutes.
      conduit: () => ({
        url: `${api}${s.source.ingestPath}`,
        method: 'POST',
        body: receiveBody,
        headers: { ...json, ...signLoki(receiveBody, s.source.secret, new Date(), EVENT_TYPE) },
      }),
      baseline: () => ({
        url: `${bare}/receive`,
        method: 'POST',
        body: receiveBody,
        headers: { ...json, 'x-loki-event': EVENT_TYPE },
      }),
    },
  ];
  return all.filter((r) => SELECTED.includes(r.name));
}

// ---- the run ------------------------------------------------------------------------------------------------------

interface RoundFigures {
  conduit: Figures;
  baseline: Figures;
  ratio: number;
  first: Side;
}

async function main(): Promise<void> {
  const [load1] = loadavg();
  console.error(
    `load average before starting: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  if (load1 > 1) {
    console.error(
      `WARNING: 1-minute load average ${load1.toFixed(2)} > 1.0: the machine is busy, ratios are unreliable`,
    );
  }
  buildApi();
  const db = await createBenchDatabase('api');
  undo.push(() => db.drop());
  const env: Record<string, string> = {
    ...db.env,
    LOG_LEVEL: 'info',
    MIGRATE_ON_START: 'true',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    // One JWT for the whole run, however long BENCH_SECONDS makes it.
    JWT_ACCESS_TTL_SECONDS: '86400',
    CONDUIT_ADMIN_EMAIL: ADMIN.email,
    CONDUIT_ADMIN_PASSWORD: ADMIN.password,
  };
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
  const s = await seed(api.url);
  const baselines = await startBaselines({
    NODE_ENV: 'production',
    DATABASE_URL: resolveDatabaseUrls(config).runtimeUrl,
    POOL_SIZE: String(POOL_SIZE),
    TENANT_ID: s.tenantId,
    USER_ID: s.userId,
    SUBSCRIPTION_ID: s.matchingSubscriptionId,
    SOURCE_ID: s.baselineSourceId,
    EVENT_SOURCE: BASELINE_EVENT_SOURCE,
  });
  const checkAlive = () => {
    assertRunning(api.child, 'the API');
    assertRunning(baselines.child, 'the baselines');
  };
  const selected = routes(api.url, baselines.url, s);
  const rss = sampleRss({ api: api.child.process.pid as number, baselines: baselines.child.process.pid as number });
  // The id in every 2xx answer of the writing routes (warm-ups included), to check each was committed.
  const answered: Record<'publish' | 'receive', Record<Side, { ok: number; ids: string[] }>> = {
    publish: { conduit: { ok: 0, ids: [] }, baseline: { ok: 0, ids: [] } },
    receive: { conduit: { ok: 0, ids: [] }, baseline: { ok: 0, ids: [] } },
  };
  const phase = async (route: Route, side: Side, seconds: number, what: string) => {
    const writes = route.name === 'publish' || route.name === 'receive' ? answered[route.name][side] : undefined;
    // Conduit answers a publish with `id`, a receive with `event_id`; the baselines answer alike.
    const field = route.name === 'publish' ? 'id' : 'event_id';
    const f = await load(
      route[side](),
      seconds,
      writes && ((body) => writes.ids.push((JSON.parse(body) as Record<string, string>)[field])),
    );
    if (writes) writes.ok += f.ok_2xx;
    checkAlive();
    console.error(
      `${what.padEnd(8)} ${route.name.padEnd(8)} ${side.padEnd(8)} ${String(f.requests_per_second).padStart(6)} req/s` +
        `  p50 ${f.latency_p50_ms} ms  p99 ${f.latency_p99_ms} ms  errors ${f.errors}`,
    );
    return f;
  };

  const warmupErrors: Record<string, number> = {};
  for (const route of selected) {
    warmupErrors[route.name] = (await phase(route, 'conduit', WARMUP_SECONDS, 'warm-up')).errors;
    await phase(route, 'baseline', WARMUP_SECONDS, 'warm-up');
  }
  const rounds: Record<string, RoundFigures[]> = Object.fromEntries(selected.map((r) => [r.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const route of selected) {
      const first = round % 2 === 0 ? 'conduit' : 'baseline';
      const figures: Partial<Record<Side, Figures>> = {};
      for (const side of first === 'conduit'
        ? (['conduit', 'baseline'] as const)
        : (['baseline', 'conduit'] as const)) {
        figures[side] = await phase(route, side, SECONDS, `round ${round + 1}`);
      }
      const { conduit, baseline } = figures as Record<Side, Figures>;
      rounds[route.name].push({
        conduit,
        baseline,
        ratio: round3(conduit.requests_per_second / baseline.requests_per_second),
        first,
      });
    }
  }
  const memory = rss.stop();

  // Every 2xx answer's row committed (warm-ups included): each answered id is found. The table may hold a few more
  // rows than answers: requests in flight when a phase ended (at most 64 each) were committed but never answered.
  const one = async (sql: string, params: unknown[]) => Number(((await db.owner(sql, params))[0] as { n: number }).n);
  const inFlightBound = CONNECTIONS * (1 + ROUNDS);
  const check = async (table: string, side: { ok: number; ids: string[] }, where: string, params: unknown[]) => {
    const found = await one(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::uuid[])`, [side.ids]);
    const rows = await one(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
    return {
      answered_2xx: side.ok,
      ids_answered: side.ids.length,
      ids_found: found,
      rows,
      rows_never_answered: rows - side.ids.length,
      pass:
        side.ok === side.ids.length &&
        found === side.ids.length &&
        rows - side.ids.length >= 0 &&
        rows - side.ids.length <= inFlightBound,
    };
  };
  const committed: Record<string, Awaited<ReturnType<typeof check>> & { deliveries?: number }> = {};
  if (SELECTED.includes('publish')) {
    const { conduit, baseline } = answered.publish;
    committed.publish_conduit = {
      ...(await check('webhook_events', conduit, 'tenant_id = $1 AND source <> $2', [
        s.tenantId,
        BASELINE_EVENT_SOURCE,
      ])),
      // One matching subscription: one delivery per event.
      deliveries: await one(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_id = ANY($1::uuid[])`, [
        conduit.ids,
      ]),
    };
    committed.publish_conduit.pass &&= committed.publish_conduit.deliveries === conduit.ids.length;
    committed.publish_baseline = await check('webhook_events', baseline, 'tenant_id = $1 AND source = $2', [
      s.tenantId,
      BASELINE_EVENT_SOURCE,
    ]);
  }
  if (SELECTED.includes('receive')) {
    const { conduit, baseline } = answered.receive;
    committed.receive_conduit = await check('inbound_events', conduit, 'source_id = $1', [s.source.id]);
    committed.receive_baseline = await check('inbound_events', baseline, 'source_id = $1', [s.baselineSourceId]);
  }

  const medians = selected.map((route) => {
    const rs = rounds[route.name];
    const m = {
      route: route.name,
      conduit_rps: median(rs.map((r) => r.conduit.requests_per_second)),
      conduit_p50_ms: median(rs.map((r) => r.conduit.latency_p50_ms)),
      conduit_p99_ms: median(rs.map((r) => r.conduit.latency_p99_ms)),
      baseline_rps: median(rs.map((r) => r.baseline.requests_per_second)),
      baseline_p50_ms: median(rs.map((r) => r.baseline.latency_p50_ms)),
      baseline_p99_ms: median(rs.map((r) => r.baseline.latency_p99_ms)),
      ratio: round3(median(rs.map((r) => r.ratio))),
      conduit_errors: rs.reduce((n, r) => n + r.conduit.errors, warmupErrors[route.name]),
      baseline_errors: rs.reduce((n, r) => n + r.baseline.errors, 0),
    };
    return m;
  });

  const targets: { target: string; measured: string; pass: boolean }[] = [];
  for (const route of selected) {
    const m = medians.find((x) => x.route === route.name) as (typeof medians)[number];
    const p99 = route.kind === 'read' ? TARGETS.readP99Ms : TARGETS.writeP99Ms;
    targets.push(
      {
        target: `${route.name}: ratio >= ${route.minRatio} of ${route.baselineLabel}`,
        measured: String(m.ratio),
        pass: m.ratio >= route.minRatio,
      },
      { target: `${route.name}: p99 < ${p99} ms`, measured: `${m.conduit_p99_ms} ms`, pass: m.conduit_p99_ms < p99 },
      {
        target: `${route.name}: 0 errors`,
        measured: String(m.conduit_errors),
        pass: m.conduit_errors === TARGETS.errors,
      },
    );
  }
  for (const [name, c] of Object.entries(committed)) {
    targets.push({
      target: `${name.replace('_', ' ')}: every 2xx committed${name === 'publish_conduit' ? ' (with its delivery)' : ''}`,
      measured: `${c.ids_found} of ${c.ids_answered} answered ids found${c.deliveries === undefined ? '' : `, ${c.deliveries} deliveries`}; ${c.rows_never_answered} rows of unanswered in-flight requests`,
      pass: c.pass,
    });
  }
  targets.push({
    target: `API peak RSS < ${TARGETS.apiRssMb} MB`,
    measured: `${memory.api?.peak_mb} MB`,
    pass: (memory.api?.peak_mb ?? Infinity) < TARGETS.apiRssMb,
  });

  console.table(medians);
  console.table(targets);
  const result = {
    machine: machineFacts(),
    load_average_before: load1,
    load_average_after: loadavg().map((n) => Number(n.toFixed(2))),
    connections: CONNECTIONS,
    seconds_per_phase: SECONDS,
    warmup_seconds: WARMUP_SECONDS,
    pool_size: POOL_SIZE,
    api_node_args: API_NODE_ARGS,
    subscriptions: SUBSCRIPTIONS,
    rounds,
    median: medians,
    rss_mb: memory,
    committed,
    targets,
    all_targets_met: targets.every((t) => t.pass),
  };
  console.log(JSON.stringify(result, null, 2));
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => void cleanup());
