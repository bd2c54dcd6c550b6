// bench/ingest: signed webhook requests (seed HMAC, verified, committed to PostgreSQL, queued) at 64 connections,
// against a bare Fastify endpoint in the same run. Prints both, the ratio, and latencies.
// Run: node -r @swc-node/register bench/ingest.ts   (needs local PostgreSQL and Redis like `npm test`)
import 'reflect-metadata';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { createApiApp } from '@conduit/api/bootstrap';
import { migrateDatabase } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { parseConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';
import { OperatorService } from '@conduit/tenants';
import { signLoki } from '@conduit/signatures';
import { machineFacts } from './support';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 64;

interface Figures {
  requests_per_second: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  errors: number;
  non_2xx: number;
  total: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Number(((sorted[mid - 1] + sorted[mid]) / 2).toFixed(3));
}

function run(opts: autocannon.Options, seconds = DURATION): Promise<Figures> {
  return new Promise((resolve, reject) => {
    autocannon({ ...opts, connections: CONNECTIONS, duration: seconds }, (err, result) => {
      if (err) return reject(err);
      resolve({
        requests_per_second: Math.round(result.requests.average),
        latency_p50_ms: result.latency.p50,
        latency_p99_ms: result.latency.p99,
        errors: result.errors + result.timeouts,
        non_2xx: result.non2xx,
        total: result.requests.total,
      });
    });
  });
}

async function admin(sql: string, url = ADMIN_URL): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const body = JSON.stringify({
    type: 'order.created',
    data: { id: 'o_1', total: 120, items: [{ sku: 'A', qty: 2 }] },
  });

  // Baseline: a bare Fastify endpoint that parses the JSON body and answers 202.
  const bare = Fastify();
  bare.post('/ingest', async (req, reply) => reply.code(202).send({ ok: true, size: JSON.stringify(req.body).length }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ingest`;

  // Conduit: a fresh database, the real API, one seed-HMAC source.
  const dbName = `conduit_bench_${process.pid}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const config = parseConfig({
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl.toString(),
    CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'),
    REDIS_PREFIX: `conduit-bench-${process.pid}`,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000000',
    DATABASE_POOL_SIZE: '20',
  });
  await migrateDatabase(config, API_MIGRATIONS);
  const app = await createApiApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  try {
    const operator = app.get(OperatorService);
    await operator.createTenant({ code: 'bench', name: 'Bench' });
    await operator.createUser({
      email: 'bench@example.test',
      password: 'bench-password-123',
      tenantCode: 'bench',
      role: 'tenant_admin',
    });
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.test', password: 'bench-password-123' }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const source = await fetch(`${base}/api/v1/sources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.access_token}` },
      body: JSON.stringify({ name: 'bench', provider: 'hmac' }),
    }).then((r) => r.json() as Promise<{ secret: string; ingest_url: string }>);
    const ingestPath = new URL(source.ingest_url).pathname;

    // Signed once, before the run (valid for the source's 5-minute window), so the load generator, which shares
    // this process with both servers, does the same work per request for Conduit as for the bare endpoint.
    const signed = {
      'content-type': 'application/json',
      ...signLoki(body, source.secret, new Date(), 'order.created'),
    };
    // Warm-up (JIT, connection pools, the source cache), not counted.
    await run({ url: `${base}${ingestPath}`, method: 'POST', body, headers: signed }, 3);
    await run({ url: bareUrl, method: 'POST', body, headers: { 'content-type': 'application/json' } }, 3);
    // The framework floor: Conduit's cheapest Nest route (middleware, guards, interceptors, helmet).
    const floor = await run({ url: `${base}/health/live`, method: 'GET' });
    // BENCH_CPU_PROFILE=<file>: a CPU profile of this process during the ingest phases (open in Chrome DevTools).
    const profiler = process.env.BENCH_CPU_PROFILE ? new Session() : null;
    if (profiler) profiler.connect();
    // Bare and Conduit alternate, round after round, so that a slow minute of this shared machine hits both.
    const rounds: { bare: Figures; conduit: Figures; ratio: number }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const bareFigures = await run({
        url: bareUrl,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      if (profiler) {
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const conduit = await run({ url: `${base}${ingestPath}`, method: 'POST', body, headers: signed });
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(process.env.BENCH_CPU_PROFILE as string, JSON.stringify(profile));
      }
      rounds.push({
        bare: bareFigures,
        conduit,
        ratio: Number((conduit.requests_per_second / bareFigures.requests_per_second).toFixed(3)),
      });
    }
    const [{ count: stored }] = await admin(`SELECT count(*)::int AS count FROM inbound_events`, dbUrl.toString());
    const result = {
      machine: machineFacts(),
      connections: CONNECTIONS,
      seconds_per_phase: DURATION,
      conduit_health_live_floor: floor,
      rounds,
      median: {
        bare_requests_per_second: median(rounds.map((r) => r.bare.requests_per_second)),
        conduit_requests_per_second: median(rounds.map((r) => r.conduit.requests_per_second)),
        throughput_ratio: median(rounds.map((r) => r.ratio)),
        conduit_latency_p50_ms: median(rounds.map((r) => r.conduit.latency_p50_ms)),
        conduit_latency_p99_ms: median(rounds.map((r) => r.conduit.latency_p99_ms)),
      },
      conduit_errors: rounds.reduce((n, r) => n + r.conduit.errors + r.conduit.non_2xx, 0),
      // Every 2xx answer is a committed row (warm-up included).
      rows_stored: stored,
      target: { ratio_at_least: 0.6, p99_ms_below: 25, errors: 0 },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await app.close();
    await bare.close();
    // The routing jobs queued during the run (no worker ran) and the queues' own keys.
    const redis = new IORedis(redisOptionsFromUrl(config.REDIS_URL));
    await deleteRedisPrefix(redis, config.REDIS_PREFIX);
    redis.disconnect();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
