// What the benches share: a fresh database with the service's environment, the worker process they spawn, a bare
// HTTP sink, CPU by process group from /proc, percentiles and owner SQL. (bench/ingest.ts runs in one process and
// needs none of it.)
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Client } from 'pg';

export const ROOT = resolve(__dirname, '..');

/** The machine a bench ran on, as its result reports it. */
export function machineFacts() {
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The real worker entry point (apps/worker/src/main.ts) as a child process; BENCH_WORKER_NODE_ARGS adds node flags
 * (profiling).
 */
export function startWorker(env: Record<string, string>): ChildProcess {
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...nodeArgs, '-r', '@swc-node/register', 'apps/worker/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, WORKER_HEALTH_PORT: '0', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

export async function stopWorker(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await once(child, 'exit');
}

/**
 * CPU seconds used so far per process group (this bench under `benchLabel`, the worker, postgres, redis, everything
 * else) from /proc, plus the whole machine's busy and iowait time over all cores.
 */
export function cpuByGroup(workerPid: number | undefined, benchLabel: string): Record<string, number> {
  const ticks = 100; // USER_HZ
  const groups: Record<string, number> = {};
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / ticks;
    const pid = Number(entry);
    const group =
      pid === process.pid
        ? benchLabel
        : pid === workerPid
          ? 'worker'
          : comm.startsWith('postgres')
            ? 'postgres'
            : comm.startsWith('redis')
              ? 'redis'
              : 'other';
    groups[group] = (groups[group] ?? 0) + seconds;
  }
  // Whole machine, all cores: busy = everything but idle and iowait.
  const [, ...times] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  groups['machine busy (all cores)'] = (times.reduce((a, b) => a + b, 0) - times[3] - times[4]) / ticks;
  groups['machine iowait (all cores)'] = times[4] / ticks;
  return groups;
}

/** Share of one CPU each group used over `seconds` (groups under 1% left out), largest first. */
export function cpuShare(
  before: Record<string, number>,
  after: Record<string, number>,
  seconds: number,
): Record<string, string> {
  return Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, ((after[k] - (before[k] ?? 0)) / seconds) * 100] as const)
      .filter(([, pct]) => pct >= 1)
      .sort((a, b) => b[1] - a[1])
      .map(([k, pct]) => [k, `${Math.round(pct)}%`]),
  );
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One statement on its own connection (setup and progress counts, as the owner or the admin user). */
export async function query(url: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Where benches create their databases (as this user, which becomes the schema owner). */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  /** One statement as the owner, below row-level security: set-up and progress counts only. */
  owner: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
  /**
   * The environment of the service under test (worker and in-process app): this database, a fresh master key, an own
   * Redis prefix.
   */
  env: Record<string, string>;
  /** Drops the database, unless BENCH_KEEP_DATABASE=1 asks to keep it (for EXPLAIN and pg_stat_* after the run). */
  drop: () => Promise<void>;
}

/** A fresh, empty database for one run of a bench (migrate it with migrateDatabase). */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `conduit_bench_${label}_${process.pid}`;
  await query(ADMIN_URL, `CREATE DATABASE ${name}`);
  return benchDatabase(name, label);
}

/** A database an earlier run kept (BENCH_KEEP_DATABASE=1), to measure again without seeding; never dropped. */
export function keptBenchDatabase(name: string, label: string): BenchDatabase {
  return { ...benchDatabase(name, label), drop: async () => undefined };
}

function benchDatabase(name: string, label: string): BenchDatabase {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    owner: (sql, params = []) => query(url.toString(), sql, params),
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: url.toString(),
      CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'),
      REDIS_PREFIX: `conduit-bench-${label}-${process.pid}`,
      LOG_LEVEL: 'warn',
      OUTBOUND_ALLOW_LOOPBACK: 'true',
      MIGRATE_ON_START: 'false',
      HOST: '127.0.0.1',
    },
    drop: async () => {
      if (process.env.BENCH_KEEP_DATABASE) console.error(`kept database ${name}`);
      else await query(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export interface BareSink {
  url: string;
  received: () => number;
  close: () => Promise<void>;
}

/** A bare node:http receiver on 127.0.0.1 answering 200 "ok" at once, counting what it got. */
export async function startBareSink(): Promise<BareSink> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * This process's wall clock in epoch milliseconds with sub-millisecond precision (Date.now() floors to the ms):
 * performance.now() plus its offset to the system clock, found by watching Date.now() tick over ten times (about 10
 * ms of spinning, so not on a hot path; the largest offset seen at a tick wins, so a tick seen late because the process
 * was descheduled does not count). Take one per phase of a bench and compare it with a fresh one at the phase's end
 * (`drift`): monotonic time and the system clock (PostgreSQL's timestamps, other processes' clocks) may move apart.
 */
export function wallClock(): () => number {
  const { performance } = globalThis;
  let offset = -Infinity;
  let last = Date.now();
  let ticks = 0;
  while (ticks < 10) {
    const ms = Date.now();
    const d = ms - performance.now();
    if (ms !== last) {
      ticks++;
      last = ms;
      // Just after a tick Date.now() is closest to the true time: the largest difference is the offset.
      if (d > offset) offset = d;
    }
  }
  return () => performance.now() + offset;
}

/** How far two wall clocks of this process disagree now (ms): the drift of the first since it was taken. */
export function drift(earlier: () => number, later: () => number): number {
  return Math.round((later() - earlier()) * 1000) / 1000;
}
