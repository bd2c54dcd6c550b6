// bench/task-runs: the task executor's own overhead (issue 18): run accepted → request sent, and response received →
// run recorded, for a task whose tool (a receiver in this process on 127.0.0.1) answers at once.
// Processes: the real API (apps/api/src/main.ts) accepts the runs (POST /api/v1/instances/{id}/tasks/{tag}/runs); ONE
// worker (apps/worker/src/main.ts) claims, calls and records them; this process is only the load generator and the
// tool (the receiver, which notes when each request arrived and when it had answered), and listens for each run's
// record to commit (a bench-only trigger on task_runs NOTIFYs when finished_at is set, with the UPDATE's
// clock_timestamp()); the baselines run in a fourth process built like the worker (bench/task-runs-floor.ts).
// One clock: every process times on the system clock (performance.now() plus its offset, sub-ms; see wallClock in
// support.ts), PostgreSQL's timestamps are read in µs with extract(epoch ...), the same machine's clock.
// Per run:
//  - accepted → sent: the receiver's arrival − task_runs.created_at (the API's clock when it prepared the row, before
//    writing it, in whole ms: this overstates by 0-1 ms, 0.5 on average); it includes the API's INSERT, commit and
//    enqueue, Redis, the worker's pickup, claim, loads, render and send. Also: arrival − the 202 reaching this process
//    (the executor after the caller was told), and arrival − started_at (the claim transaction's start: the worker
//    alone).
//  - received → recorded: the record's commit seen by this process (NOTIFY) − the receiver's answer; also
//    finished_at − answer (the record transaction began: now() is its start) and the UPDATE's own time within it.
// Series: BENCH_SEQUENTIAL runs one at a time (the clean overhead figure), then BENCH_RUNS at BENCH_RATE per second.
// Baselines in the same run (the floors, fourth process): one GET at a time through OutboundHttpClient with
// TaskHttpClient's options (out: sent → arrival, back: answer → received); the bare SQL (INSERT of a task_runs row, the
// claim's UPDATE ... RETURNING, the record's UPDATE, each autocommit on an open connection as the owner; and the claim
// and the record as the executor's transactions send them, and as one message); a bare BullMQ add → pickup.
// Run: node -r @swc-node/register bench/task-runs.ts   (needs local PostgreSQL and Redis like `npm test`)
// Knobs: BENCH_SEQUENTIAL (default 500), BENCH_RUNS (default 500), BENCH_RATE (runs/s, default 50),
//        BENCH_FLOOR (samples per baseline, default 500), BENCH_CONCURRENCY (worker's TASK_RUN_CONCURRENCY,
//        default 50), BENCH_TRACE=1 (the worker and the API note their statements, Redis commands, pickup and call
//        on the system clock, bench/task-runs-trace.ts: prints the median timeline of a sequential run),
//        BENCH_WORKER_NODE_ARGS (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof), BENCH_KEEP_DATABASE=1. (The
//        BENCH_VARIANT experiments of the first measurement were made in libs/tasks in 5c21a51 and removed.)
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { type ConnectionOptions, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { ApiProcess, startApiProcess } from '../test/support/api-process';
import { benchApiCaller, seedBenchAdmin } from './bench-api';
import {
  ROOT,
  cpuByGroup,
  cpuShare,
  createBenchDatabase,
  drift,
  machineFacts,
  percentile,
  sleep,
  startWorker,
  stopWorker,
  wallClock,
} from './support';
import { FLOOR_QUEUE, type FloorCommand, type HttpFloorSample } from './task-runs-floor';
import type { TraceEvent } from './task-runs-trace';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 500);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const FLOOR = Number(process.env.BENCH_FLOOR ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const WARMUP = 50;
const TAG = 'get_x';
const BENCH_LABEL = 'bench (load + receiver)';
const TARGET_MS = 5;
const TRACE_FILE = process.env.BENCH_TRACE ? `/tmp/conduit-bench-task-runs-trace-${process.pid}.jsonl` : undefined;

type Figures = { n: number; p50: number; p95: number; p99: number; max: number };

function figures(values: number[]): Figures {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    n: sorted.length,
    p50: r(percentile(sorted, 50)),
    p95: r(percentile(sorted, 95)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted.at(-1) ?? NaN),
  };
}

/** The tool: answers 200 with a small JSON at once, noting (wall clock) when each request arrived and was answered. */
class Receiver {
  readonly hits = new Map<string, { arrived: number; answered: number }>();
  now = wallClock();
  url = '';
  private readonly server = createServer((req, res) => {
    const arrived = this.now();
    const id = String(req.headers['x-conduit-task-run'] ?? '');
    const body = `{"id":"${id}","ok":true}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    this.hits.set(id, { arrived, answered: this.now() });
    req.resume();
  });

  async start(): Promise<void> {
    this.server.keepAliveTimeout = 60_000;
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The baselines' process (bench/task-runs-floor.ts), one command at a time. */
class Floor {
  readonly picked = new Map<number, number>();
  private waiting: ((m: Record<string, unknown>) => void) | undefined;
  private pickWaiters = new Map<number, () => void>();
  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: Record<string, unknown>) => {
      if ('picked' in m) {
        this.picked.set(m.picked as number, m.at as number);
        this.pickWaiters.get(m.picked as number)?.();
        return;
      }
      const w = this.waiting;
      this.waiting = undefined;
      w?.(m);
    });
  }

  static async start(env: Record<string, string>): Promise<Floor> {
    const child = fork(`${ROOT}/bench/task-runs-floor.ts`, [], {
      cwd: ROOT,
      execArgv: ['-r', '@swc-node/register'],
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const floor = new Floor(child);
    await floor.next();
    return floor;
  }

  next(): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.waiting = (m) => (m.error ? reject(new Error(String(m.error))) : resolve(m));
    });
  }

  async ask(command: FloorCommand): Promise<Record<string, unknown>> {
    const answer = this.next();
    this.child.send(command);
    return answer;
  }

  picking(i: number): Promise<void> {
    return new Promise((r) => this.pickWaiters.set(i, r));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.send({ cmd: 'stop' });
    await Promise.race([once(this.child, 'exit'), sleep(5000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

interface RunTimes {
  posted: number;
  accepted: number;
}

/**
 * Where a sequential run's time went in the worker (BENCH_TRACE=1): every traced event that overlaps a run, as its
 * start relative to the run's created_at and its duration, the median over the runs, for the events most runs had (in
 * order; the nth event of a kind in a run is its own row). The receiver's arrival and answer, and the commit seen
 * here, are rows too.
 */
function timeline(
  file: string,
  windows: { created: number; arrived: number; answered: number; recorded: number }[],
): Record<string, string>[] {
  const events = [file, `${file}.api`]
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceEvent)
    .sort((a, b) => a.start - b.start);
  const rows = new Map<string, { at: number[]; ms: number[] }>();
  const add = (key: string, at: number, ms: number) => {
    const row = rows.get(key) ?? { at: [], ms: [] };
    row.at.push(at);
    row.ms.push(ms);
    rows.set(key, row);
  };
  for (const w of windows) {
    if (!Number.isFinite(w.recorded)) continue;
    const seen = new Map<string, number>();
    for (const e of events) {
      if (e.end < w.created || e.start > w.recorded) continue;
      const label = `${e.kind} ${e.what}`;
      const nth = (seen.get(label) ?? 0) + 1;
      seen.set(label, nth);
      add(nth > 1 ? `${label} #${nth}` : label, e.start - w.created, e.end - e.start);
    }
    add('(receiver: request arrived)', w.arrived - w.created, 0);
    add('(receiver: answered)', w.answered - w.created, 0);
    add('(bench: record commit seen)', w.recorded - w.created, 0);
  }
  const median = (v: number[]) =>
    percentile(
      [...v].sort((a, b) => a - b),
      50,
    );
  const runs = windows.length;
  return [...rows.entries()]
    .filter(([, r]) => r.at.length >= runs / 2)
    .map(([event, r]) => ({ event, at: median(r.at), ms: median(r.ms), runs: r.at.length }))
    .sort((a, b) => a.at - b.at)
    .map((r) => ({ event: r.event, at_ms: r.at.toFixed(2), ms: r.ms.toFixed(2), runs: String(r.runs) }));
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => Math.round(l * 100) / 100);
  console.error(`load average at start: ${load.join(' ')}`);
  const receiver = new Receiver();
  await receiver.start();
  const db = await createBenchDatabase('task_runs');
  const config = parseConfig({ ...db.env });
  let api: ApiProcess | undefined;
  let worker: ChildProcess | undefined;
  let floor: Floor | undefined;
  const listener = new Client({ connectionString: db.url });
  const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
  const floorQueue = new Queue(FLOOR_QUEUE, {
    connection: redisOptionsFromUrl(config.REDIS_URL) as ConnectionOptions,
    prefix: config.REDIS_PREFIX,
  });
  try {
    await migrateDatabase(config, API_MIGRATIONS);
    const { tenantId, token } = await seedBenchAdmin(config);

    api = await startApiProcess({
      ...db.env,
      RATE_LIMIT_PER_MINUTE: '100000000',
      ...(TRACE_FILE && {
        NODE_OPTIONS: `-r @swc-node/register -r ${ROOT}/bench/task-runs-trace.ts`,
        BENCH_TRACE_FILE: `${TRACE_FILE}.api`,
        BENCH_TRACE_LABEL: 'api',
      }),
    });
    await api.live();
    const apiUrl = api.url;
    const call = benchApiCaller(apiUrl, token);

    // Seeded through the API: an integration, a task (GET /x, one output field), an instance on the receiver.
    const integration = await call('POST', '/api/v1/integrations', { title: 'Bench tool' });
    await call('POST', `/api/v1/integrations/${String(integration.id)}/tasks`, {
      name: 'Get x',
      task_tag: TAG,
      request: { method: 'GET', path: '/x' },
      output_fields: [{ name: 'id', path: '$.id', type: 'string' }],
    });
    const instance = await call('POST', '/api/v1/instances', {
      integration_uuid: integration.id,
      title: 'Bench tool 1',
      base_url: receiver.url,
    });
    const instanceId = String(instance.id);

    // Bench only: the record's commit, seen from here. Fires on the record's UPDATE alone (finished_at set).
    await db.owner(`
      CREATE FUNCTION bench_task_run_recorded() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_notify('bench_task_run_recorded', NEW.id::text || ' ' || (extract(epoch FROM clock_timestamp()) * 1000)::text);
        RETURN NULL;
      END $fn$;
      GRANT EXECUTE ON FUNCTION bench_task_run_recorded() TO PUBLIC;
      CREATE TRIGGER bench_task_run_recorded AFTER UPDATE ON task_runs FOR EACH ROW
        WHEN (OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL) EXECUTE FUNCTION bench_task_run_recorded();`);
    const runs = new Map<string, RunTimes>();
    /** Commits seen, by run id: when, and the UPDATE's clock_timestamp(). */
    const recorded = new Map<string, { seen: number; updateClock: number }>();
    const recordWaiters = new Map<string, () => void>();
    let clock = wallClock();
    await listener.connect();
    listener.on('notification', (msg) => {
      const seen = clock();
      const [id, updateClock] = (msg.payload ?? '').split(' ');
      recorded.set(id, { seen, updateClock: Number(updateClock) });
      recordWaiters.get(id)?.();
    });
    await listener.query('LISTEN bench_task_run_recorded');

    if (TRACE_FILE) {
      process.env.BENCH_WORKER_NODE_ARGS = [
        process.env.BENCH_WORKER_NODE_ARGS ?? '',
        '-r @swc-node/register',
        TRACE_FILE ? '-r ./bench/task-runs-trace.ts' : '',
      ].join(' ');
    }
    worker = startWorker({
      ...db.env,
      TASK_RUN_CONCURRENCY: String(CONCURRENCY),
      ...(TRACE_FILE && { BENCH_TRACE_FILE: TRACE_FILE }),
    });
    floor = await Floor.start(db.env);

    const runPath = `/api/v1/instances/${instanceId}/tasks/${TAG}/runs`;
    /** Starts one run; resolves once its record committed (as seen here). */
    const startRun = async (): Promise<string> => {
      const posted = clock();
      const res = await fetch(`${apiUrl}${runPath}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"input":{}}',
      });
      const accepted = clock();
      const text = await res.text();
      if (res.status !== 202) throw new Error(`start run: ${res.status} ${text}`);
      const id = (JSON.parse(text) as { id: string }).id;
      runs.set(id, { posted, accepted });
      // The NOTIFY may have come before the 202's body was read.
      if (!recorded.has(id)) {
        const done = new Promise<void>((r) => recordWaiters.set(id, r));
        await Promise.race([done, sleep(60_000)]);
        recordWaiters.delete(id);
      }
      if (!recorded.has(id)) throw new Error(`run ${id} not recorded within 60 s`);
      return id;
    };

    // Worker up and warm (connections, JIT, the secret and hierarchy caches); the first run waits for it to start.
    for (let i = 0; i < WARMUP; i++) await startRun();
    await db.owner('ANALYZE');

    /** The figures of a series of runs, from the DB rows and this process's notes. */
    const measure = async (ids: string[], startedClock: () => number) => {
      const rows = (await db.owner(
        `SELECT id::text, status,
                (extract(epoch FROM created_at) * 1000)::float8 AS created,
                (extract(epoch FROM started_at) * 1000)::float8 AS started,
                (extract(epoch FROM finished_at) * 1000)::float8 AS finished,
                (performance->>'queued_ms')::float8 AS queued_ms, (performance->>'run_ms')::float8 AS run_ms,
                (performance->>'http_ms')::float8 AS http_ms
           FROM task_runs WHERE id = ANY($1::uuid[])`,
        [ids],
      )) as {
        id: string;
        status: string;
        created: number;
        started: number;
        finished: number;
        queued_ms: number;
        run_ms: number;
        http_ms: number;
      }[];
      const s: Record<string, number[]> = {};
      const add = (k: string, v: number) => (s[k] ??= []).push(v);
      const statuses: Record<string, number> = {};
      for (const row of rows) {
        statuses[row.status] = (statuses[row.status] ?? 0) + 1;
        const hit = receiver.hits.get(row.id);
        const run = runs.get(row.id);
        const seen = recorded.get(row.id);
        if (!hit || !run || !seen) continue;
        add('accepted_to_sent (created_at → arrival)', hit.arrived - row.created);
        add('202_to_sent (202 here → arrival)', hit.arrived - run.accepted);
        add('claim_to_sent (started_at → arrival)', hit.arrived - row.started);
        add('created_to_claim (created_at → started_at)', row.started - row.created);
        add('received_to_recorded (answer → commit seen)', seen.seen - hit.answered);
        add('received_to_record_begins (answer → finished_at)', row.finished - hit.answered);
        add('record_update (finished_at → UPDATE ran)', seen.updateClock - row.finished);
        add('record_commit_seen (UPDATE ran → commit seen)', seen.seen - seen.updateClock);
        add(
          'overhead (accepted_to_sent + received_to_recorded)',
          hit.arrived - row.created + (seen.seen - hit.answered),
        );
        add('api_post (POST → 202 here)', run.accepted - run.posted);
        add('whole run (POST → commit seen)', seen.seen - run.posted);
        add('receiver own (arrival → answered)', hit.answered - hit.arrived);
        add('performance.queued_ms', row.queued_ms);
        add('performance.run_ms', row.run_ms);
      }
      const out: Record<string, unknown> = { statuses, clock_drift_ms: drift(startedClock, wallClock()) };
      for (const [k, v] of Object.entries(s)) out[k] = figures(v);
      return out;
    };

    // Baselines first, while nothing else runs: the HTTP exchange, the bare SQL, Redis pickup.
    receiver.now = wallClock();
    const httpFloor = (await floor.ask({ cmd: 'http', url: `${receiver.url}/x`, n: FLOOR })).http as HttpFloorSample[];
    const floorOut: number[] = [];
    const floorBack: number[] = [];
    const floorRound: number[] = [];
    for (const f of httpFloor) {
      const hit = receiver.hits.get(f.id);
      if (!hit) continue;
      floorOut.push(hit.arrived - f.sent);
      floorBack.push(f.received - hit.answered);
      floorRound.push(f.received - f.sent);
    }
    const [task] = await db.owner(`SELECT id, integration_uuid FROM tasks WHERE task_tag = $1`, [TAG]);
    const [sampleRun] = await db.owner(`SELECT attempts::text FROM task_runs WHERE status = 'success' LIMIT 1`);
    const sqlFloor = (
      await floor.ask({
        cmd: 'sql',
        n: FLOOR,
        row: {
          tenant_id: tenantId,
          instance_uuid: instanceId,
          integration_uuid: String(task.integration_uuid),
          task_uuid: String(task.id),
        },
        attempts: String(sampleRun.attempts),
      })
    ).sql as Record<string, number[]>;
    await floor.ask({ cmd: 'bullmq-start' });
    const pickup: number[] = [];
    clock = wallClock();
    for (let i = 0; i < FLOOR; i++) {
      const picked = floor.picking(i);
      const t = clock();
      await floorQueue.add('x', { i }, { jobId: `floor-${i}`, removeOnComplete: true, removeOnFail: true });
      await picked;
      pickup.push((floor.picked.get(i) ?? NaN) - t);
    }
    const floors = {
      http_out_ms: figures(floorOut),
      http_back_ms: figures(floorBack),
      http_round_trip_ms: figures(floorRound),
      sql_insert_ms: figures(sqlFloor.insert),
      sql_claim_update_ms: figures(sqlFloor.claim),
      sql_record_update_ms: figures(sqlFloor.record),
      sql_claim_tx_as_executor_sends_ms: figures(sqlFloor.claim_as_sent),
      sql_claim_tx_one_message_ms: figures(sqlFloor.claim_one_message),
      sql_claim_tx_one_message_not_durable_ms: figures(sqlFloor.claim_one_message_async),
      sql_record_tx_as_executor_sends_ms: figures(sqlFloor.record_as_sent),
      sql_record_tx_one_message_ms: figures(sqlFloor.record_one_message),
      bullmq_add_to_pickup_ms: figures(pickup),
    };
    console.error(JSON.stringify({ floors }));

    // Sequential: one run at a time.
    clock = wallClock();
    receiver.now = clock;
    const seqClock = clock;
    const seqIds: string[] = [];
    const seqCpu0 = cpuByGroup(worker.pid, BENCH_LABEL);
    const seqT0 = performance.now();
    for (let i = 0; i < SEQUENTIAL; i++) seqIds.push(await startRun());
    const seqCpu = cpuShare(seqCpu0, cpuByGroup(worker.pid, BENCH_LABEL), (performance.now() - seqT0) / 1000);
    const sequential = { ...(await measure(seqIds, seqClock)), cpu: seqCpu };
    const seqWindows = (
      await db.owner(
        `SELECT id::text, (extract(epoch FROM created_at) * 1000)::float8 AS created
                        FROM task_runs WHERE id = ANY($1::uuid[])`,
        [seqIds],
      )
    ).map((r) => {
      const id = String(r.id);
      return {
        created: Number(r.created),
        arrived: receiver.hits.get(id)?.arrived ?? NaN,
        answered: receiver.hits.get(id)?.answered ?? NaN,
        recorded: recorded.get(id)?.seen ?? NaN,
      };
    });
    console.error(JSON.stringify({ sequential }));

    // At a rate: RUNS runs started BENCH_RATE per second (not waiting for one another).
    clock = wallClock();
    receiver.now = clock;
    const rateClock = clock;
    const rateIds: string[] = [];
    const rateCpu0 = cpuByGroup(worker.pid, BENCH_LABEL);
    const rateT0 = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < RUNS; i++) {
      const due = rateT0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(startRun().then((id) => void rateIds.push(id)));
    }
    await Promise.all(pending);
    const rateSeconds = (performance.now() - rateT0) / 1000;
    const rateCpu = cpuShare(rateCpu0, cpuByGroup(worker.pid, BENCH_LABEL), rateSeconds);
    const atRate = {
      offered_per_second: RATE,
      achieved_per_second: Math.round((RUNS / rateSeconds) * 10) / 10,
      ...(await measure(rateIds, rateClock)),
      cpu: rateCpu,
    };
    console.error(JSON.stringify({ at_rate: atRate }));

    const p50 = (series: Record<string, unknown>, k: string) => (series[k] as Figures | undefined)?.p50 ?? NaN;
    const seqOut = p50(sequential, 'accepted_to_sent (created_at → arrival)');
    const seqBack = p50(sequential, 'received_to_recorded (answer → commit seen)');
    // From created_at (set before the API's INSERT): the row written, the job picked up, the run claimed, the request
    // sent, each at its floor.
    const floorOutP50 =
      floors.sql_insert_ms.p50 +
      floors.bullmq_add_to_pickup_ms.p50 +
      floors.sql_claim_update_ms.p50 +
      floors.http_out_ms.p50;
    const floorBackP50 = floors.http_back_ms.p50 + floors.sql_record_update_ms.p50;
    const report = {
      machine: {
        ...machineFacts(),
        load_average_at_start: load,
        load_average_at_end: loadavg().map((l) => Math.round(l * 100) / 100),
      },
      settings: {
        traced: Boolean(TRACE_FILE),
        sequential: SEQUENTIAL,
        runs: RUNS,
        rate: RATE,
        floor_samples: FLOOR,
        worker_concurrency: CONCURRENCY,
      },
      floors,
      sequential,
      at_rate: atRate,
      summary: {
        sequential_accepted_to_sent_p50_ms: seqOut,
        sequential_received_to_recorded_p50_ms: seqBack,
        floor_accepted_to_sent_p50_ms: Math.round(floorOutP50 * 100) / 100,
        floor_received_to_recorded_p50_ms: Math.round(floorBackP50 * 100) / 100,
        ratio_accepted_to_sent: Math.round((seqOut / floorOutP50) * 100) / 100,
        ratio_received_to_recorded: Math.round((seqBack / floorBackP50) * 100) / 100,
        target: `each part p50 under ${TARGET_MS} ms (sequential)`,
        target_met: seqOut < TARGET_MS && seqBack < TARGET_MS,
      },
    };
    console.log(JSON.stringify(report, null, 2));
    if (TRACE_FILE) {
      await stopWorker(worker);
      worker = undefined;
      // SIGTERM: the API writes its trace as it exits.
      api.process.kill('SIGTERM');
      await Promise.race([once(api.process, 'exit'), sleep(10_000)]);
      console.log(JSON.stringify({ sequential_timeline_traced: timeline(TRACE_FILE, seqWindows) }, null, 2));
      for (const f of [TRACE_FILE, `${TRACE_FILE}.api`]) rmSync(f, { force: true });
    }
  } finally {
    await floor?.stop();
    if (worker) await stopWorker(worker);
    await api?.stop();
    await listener.end().catch(() => undefined);
    await floorQueue.close();
    await deleteRedisPrefix(redis, db.env.REDIS_PREFIX);
    await redis.quit();
    await receiver.close();
    await sleep(100);
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
