// Starts the real worker on 127.0.0.1 against a suite database and real Redis, with its own key prefix.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConnectionOptions, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { ConduitConfig } from '@conduit/platform';
import { deleteRedisPrefix, redisOptionsFromUrl } from '@conduit/queues';

// Re-exported for the suites that import it from here.
export { deleteRedisPrefix };
import { TestDatabase, createTestDatabase } from './test-database';
import { testConfig } from './test-config';

/** A producer-side queue on the same Redis and prefix as the worker under test. */
export function testQueue(config: ConduitConfig, name: string): Queue {
  return new Queue(name, {
    connection: redisOptionsFromUrl(config.REDIS_URL) as ConnectionOptions,
    prefix: config.REDIS_PREFIX,
  });
}

export function testRedis(config: ConduitConfig): IORedis {
  return new IORedis(redisOptionsFromUrl(config.REDIS_URL));
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class TestWorker {
  private readonly queues: Queue[] = [];
  private appClosed = false;

  constructor(
    readonly app: NestFastifyApplication,
    readonly config: ConduitConfig,
    readonly db: TestDatabase,
    readonly baseUrl: string,
    readonly redis: IORedis,
  ) {}

  queue(name: string): Queue {
    const queue = testQueue(this.config, name);
    this.queues.push(queue);
    return queue;
  }

  /** What SIGTERM triggers in production. */
  async closeApp(): Promise<void> {
    if (this.appClosed) return;
    this.appClosed = true;
    await this.app.close();
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
    await this.closeApp();
    await deleteRedisPrefix(this.redis, this.config.REDIS_PREFIX);
    await this.redis.quit();
    await this.db.drop();
  }
}

export async function startTestWorker(overrides: Record<string, string> = {}): Promise<TestWorker> {
  const db = await createTestDatabase();
  const config = testConfig(db.url, overrides);
  const app = await createWorkerApp(config, { logger: false, http: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return new TestWorker(app, config, db, `http://127.0.0.1:${port}`, testRedis(config));
}
