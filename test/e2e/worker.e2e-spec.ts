import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { HEARTBEAT_KEY_SUFFIX } from '@conduit/queues';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { TEST_MASTER_KEY, testConfig } from '../support/test-config';
import { TestWorker, deleteRedisPrefix, startTestWorker, testQueue, testRedis, waitFor } from '../support/test-worker';

const ROOT = resolve(__dirname, '../..');

describe('worker (in process)', () => {
  let worker: TestWorker;
  beforeAll(async () => {
    worker = await startTestWorker({ HEARTBEAT_INTERVAL_MS: '1000', WEBHOOK_RECONCILE_INTERVAL_MS: '500' });
  });
  afterAll(() => worker?.close());

  it('writes heartbeats and reports healthy', async () => {
    const key = `${worker.config.REDIS_PREFIX}:${HEARTBEAT_KEY_SUFFIX}`;
    const beat = await waitFor('the heartbeat key', () => worker.redis.get(key), 5000);
    expect(Number.isNaN(Date.parse(beat))).toBe(false);
    const ttl = await worker.redis.pttl(key);
    expect(ttl).toBeGreaterThan(1000);
    expect(ttl).toBeLessThanOrEqual(3000);

    const res = await fetch(`${worker.baseUrl}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', redis: 'up', database: 'up' });
    expect(typeof body.last_heartbeat_at).toBe('string');
  });

  it('registers the heartbeat and retention schedules again after Redis lost them', async () => {
    const key = `${worker.config.REDIS_PREFIX}:${HEARTBEAT_KEY_SUFFIX}`;
    const queue = testQueue(worker.config, 'maintenance');
    try {
      await waitFor('the heartbeat key', () => worker.redis.get(key), 5000);
      expect(await queue.getJobScheduler('maintenance-heartbeat')).toBeDefined();
      // What a flush does to the maintenance queue: its schedules and jobs are gone, and so is the last heartbeat.
      await deleteRedisPrefix(worker.redis, `${worker.config.REDIS_PREFIX}:maintenance`);
      await worker.redis.del(key);
      await waitFor(
        'the schedules back',
        async () =>
          (await queue.getJobScheduler('maintenance-heartbeat')) &&
          (await queue.getJobScheduler('maintenance-retention')),
        5000,
      );
      // The BullMQ worker may sit out its blocking wait on the emptied queue (up to 5 s) before it sees the new jobs.
      await waitFor('a heartbeat again', () => worker.redis.get(key), 15_000);
    } finally {
      await queue.close();
    }
  });

  it('fails a job of unknown kind once, without retrying it', async () => {
    const queue = worker.queue('maintenance');
    const added = await queue.add('bogus', { kind: 'defragment' }, { attempts: 3, backoff: 0 });
    await waitFor('the job to fail', async () => (await queue.getJobState(added.id!)) === 'failed');
    // Read the job once it has failed: a copy fetched earlier may predate the failure's bookkeeping.
    const job = (await queue.getJob(added.id!))!;
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/invalid maintenance job/);
  });

  // Last in this block: it closes the app.
  it('lets an in-flight job finish when the app shuts down', async () => {
    const queue = worker.queue('maintenance');
    const marker = `shutdown-${Date.now()}`;
    const job = await queue.add('probe', { kind: 'probe', hold_ms: 1500, marker });
    await waitFor('the probe to be active', () => job.isActive());

    await worker.closeApp();

    expect(await job.getState()).toBe('completed');
    expect(await worker.redis.get(`${worker.config.REDIS_PREFIX}:probe:${marker}`)).toBe('done');
  });
});

describe('worker (as a process)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('serves /health, then drains and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const config = testConfig(db.url);
    const port = await freePort();
    const child = startWorkerProcess({
      DATABASE_URL: db.url,
      REDIS_URL: config.REDIS_URL,
      REDIS_PREFIX: config.REDIS_PREFIX,
      WORKER_HEALTH_PORT: String(port),
    });
    const redis = testRedis(config);
    const queue = testQueue(config, 'maintenance');
    try {
      await waitFor(
        `/health on :${port} (output: ${child.output()})`,
        async () => {
          if (child.process.exitCode !== null)
            throw new Error(`worker exited ${child.process.exitCode}: ${child.output()}`);
          return fetch(`http://127.0.0.1:${port}/health`).then(
            (r) => r.status === 200,
            () => false,
          );
        },
        30_000,
      );
      const job = await queue.add('probe', { kind: 'probe', hold_ms: 1000, marker: 'sigterm' });
      await waitFor('the probe to be active', () => job.isActive());

      child.process.kill('SIGTERM');
      const code = await child.exited(10_000);

      expect(code, child.output()).toBe(0);
      expect(await job.getState()).toBe('completed');
      expect(await redis.get(`${config.REDIS_PREFIX}:probe:sigterm`)).toBe('done');
    } finally {
      child.process.kill('SIGKILL');
      await queue.close();
      await deleteRedisPrefix(redis, config.REDIS_PREFIX);
      await redis.quit();
    }
  });

  it('refuses to start, naming REDIS_URL, when Redis does not answer', { timeout: 30_000 }, async () => {
    const child = startWorkerProcess({
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:1',
      WORKER_HEALTH_PORT: String(await freePort()),
    });
    const code = await child.exited(15_000);
    expect(code).not.toBe(0);
    expect(child.output()).toMatch(/REDIS_URL/);
  });
});

interface WorkerProcess {
  process: ChildProcess;
  output(): string;
  exited(timeoutMs: number): Promise<number | null>;
}

function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker/src/main.ts'], {
    cwd: ROOT,
    // Only what the worker needs: nothing from the test runner's environment leaks in.
    env: {
      CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
      REDIS_PREFIX: `conduit-test-proc-${process.pid}-${Date.now()}`,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MIGRATE_ON_START: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return {
    process: child,
    output: () => output.slice(-4000),
    exited: (timeoutMs) =>
      Promise.race([
        exit,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`worker did not exit within ${timeoutMs} ms: ${output.slice(-2000)}`)),
            timeoutMs,
          ).unref(),
        ),
      ]),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address ? address.port : 0;
}
