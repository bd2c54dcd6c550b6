// The API and the worker on one suite database and one Redis prefix, as in production; the worker in process or as a
// child process (for crash tests).
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import IORedis from 'ioredis';
import { createApiApp } from '@conduit/api/bootstrap';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { ConduitConfig } from '@conduit/platform';
import { TestApi } from './test-api';
import { TEST_MASTER_KEY, testConfig } from './test-config';
import { TestDatabase, createTestDatabase } from './test-database';
import { deleteRedisPrefix, testQueue, testRedis } from './test-worker';
import { freePort } from './processes';

const ROOT = resolve(__dirname, '../..');

export interface TestStackOptions {
  /** Config overrides shared by the API and the worker. */
  config?: Record<string, string>;
  /** false: no in-process worker (start one with startWorker() or startWorkerProcess()). */
  worker?: boolean;
}

export class TestStack {
  worker: NestFastifyApplication | undefined;
  private readonly processes: WorkerProcess[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];

  constructor(
    readonly api: TestApi,
    readonly config: ConduitConfig,
    readonly db: TestDatabase,
    readonly redis: IORedis,
  ) {}

  /** A provider of the in-process worker (DeliveryReconciler, RetentionSweeper, ...). */
  get<T>(token: abstract new (...args: never[]) => T): T {
    if (!this.worker) throw new Error('no in-process worker');
    return this.worker.get(token);
  }

  async startWorker(): Promise<NestFastifyApplication> {
    const app = await createWorkerApp(this.config, { logger: false, http: true });
    await app.listen({ port: 0, host: '127.0.0.1' });
    this.worker = app;
    return app;
  }

  async stopWorker(): Promise<void> {
    const app = this.worker;
    this.worker = undefined;
    await app?.close();
  }

  workerUrl(path = ''): string {
    const address = this.worker?.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return `http://127.0.0.1:${port}${path}`;
  }

  /** The real entry point (apps/worker/src/main.ts) as a child process on this stack's database and Redis prefix. */
  async startWorkerProcess(env: Record<string, string> = {}): Promise<WorkerProcess> {
    const child = await startWorkerProcess({
      DATABASE_URL: this.db.url,
      REDIS_URL: this.config.REDIS_URL,
      REDIS_PREFIX: this.config.REDIS_PREFIX,
      OUTBOUND_ALLOW_LOOPBACK: 'true',
      ...env,
    });
    this.processes.push(child);
    return child;
  }

  queue(name: string) {
    const queue = testQueue(this.config, name);
    this.closers.push(() => queue.close());
    return queue;
  }

  async close(): Promise<void> {
    for (const p of this.processes) p.process.kill('SIGKILL');
    await Promise.all(this.closers.map((c) => c().catch(() => undefined)));
    await this.stopWorker().catch(() => undefined);
    await this.api.app.close();
    await deleteRedisPrefix(this.redis, this.config.REDIS_PREFIX);
    await this.redis.quit();
    await this.db.drop();
  }
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const db = await createTestDatabase();
  const config = testConfig(db.url, options.config);
  const app = await createApiApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The stack drops the database itself, after the worker is gone too.
  const api = new TestApi(app, config, { ...db, drop: async () => undefined }, `http://127.0.0.1:${port}`);
  const stack = new TestStack(api, config, db, testRedis(config));
  if (options.worker !== false) await stack.startWorker();
  return stack;
}

export interface WorkerProcess {
  process: ChildProcess;
  port: number;
  output(): string;
  exited(timeoutMs: number): Promise<number | null>;
  /** Resolves once GET /health answers 200. */
  healthy(timeoutMs?: number): Promise<void>;
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const port = env.WORKER_HEALTH_PORT ? Number(env.WORKER_HEALTH_PORT) : await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker/src/main.ts'], {
    cwd: ROOT,
    // Only what the worker needs: nothing from the test runner's environment leaks in.
    env: {
      PATH: process.env.PATH,
      CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
      WORKER_HEALTH_PORT: String(port),
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
    port,
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
    healthy: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${output.slice(-2000)}`);
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`worker not healthy within ${timeoutMs} ms: ${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
