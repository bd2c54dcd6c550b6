// Issue 18 point 6: an instance's rate limit holds across every worker process (docs/tasks.md), against
// the real Redis, with two separate Node processes sending to a real receiver on 127.0.0.1.
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import IORedis from 'ioredis';
import { createRedisClient, deleteRedisPrefix } from '@conduit/queues';
import { InstanceRateLimiter } from '@conduit/tasks';
import { RunningProcess, startProcess } from '../support/processes';
import { TestRedisServer } from '../support/redis-server';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = resolve(__dirname, '../..');

/** The process's kind of client (no offline queue), once it is connected. */
async function connectedClient(url: string): Promise<IORedis> {
  const client = createRedisClient(url);
  await ready(client);
  return client;
}

function ready(client: IORedis): Promise<void> {
  return new Promise<void>((done) => (client.status === 'ready' ? done() : client.once('ready', () => done())));
}

/** Fails with the crowded window when more than max times fall in some half-open window of windowMs. */
function expectNoWindowAbove(times: number[], max: number, windowMs: number): void {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0; i + max < sorted.length; i++) {
    const span = sorted[i + max] - sorted[i];
    if (span < windowMs) {
      const crowded = sorted.slice(i, i + max + 1).map((t) => t - sorted[0]);
      throw new Error(`${max + 1} within ${span} ms (< ${windowMs} ms), at ms ${crowded.join(', ')}`);
    }
  }
}

/** Acquires count slots together; answers when each was granted (Date.now()). */
async function burst(
  limiter: InstanceRateLimiter,
  instanceId: string,
  count: number,
  limit: { max: number; per_seconds: number },
): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, () => limiter.acquire('tenant-1', instanceId, limit).then(() => Date.now())),
  );
}

describe('instance rate limit in Redis', () => {
  const prefix = `conduit-test-${randomBytes(4).toString('hex')}`;
  let redis: IORedis;
  let other: IORedis;

  beforeAll(async () => {
    [redis, other] = await Promise.all([connectedClient(REDIS_URL), connectedClient(REDIS_URL)]);
  });

  afterAll(async () => {
    await deleteRedisPrefix(redis, prefix);
    redis.disconnect();
    other.disconnect();
  });

  it('20 acquires at 5 per 1 s take about 3 s, never more than 5 in any second', async () => {
    const limiter = new InstanceRateLimiter(redis, { keyPrefix: prefix });
    const started = Date.now();
    const granted = await burst(limiter, randomUUID(), 20, { max: 5, per_seconds: 1 });
    const elapsed = Date.now() - started;
    expectNoWindowAbove(granted, 5, 1000);
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(4000);
  });

  it('is a sliding window: a burst after a quiet half second gets only what the last second left', async () => {
    const limiter = new InstanceRateLimiter(redis, { keyPrefix: prefix });
    const instance = randomUUID();
    const limit = { max: 4, per_seconds: 1 };
    const first = await burst(limiter, instance, 4, limit);
    await new Promise((r) => setTimeout(r, 500));
    // A fixed one-second counter would let four more through at its boundary; the window lets none before 1 s.
    const second = await burst(limiter, instance, 4, limit);
    expect(Math.min(...second) - Math.min(...first)).toBeGreaterThanOrEqual(1000);
    expectNoWindowAbove([...first, ...second], 4, 1000);
  });

  it('two limiters on separate connections share the window, whatever their own clocks say', async () => {
    // The process clocks only serve the fallback: Redis's TIME decides, so an hour of skew changes nothing.
    const a = new InstanceRateLimiter(redis, { keyPrefix: prefix, now: () => Date.now() + 3_600_000 });
    const b = new InstanceRateLimiter(other, { keyPrefix: prefix, now: () => Date.now() - 3_600_000 });
    const instance = randomUUID();
    const limit = { max: 3, per_seconds: 1 };
    const started = Date.now();
    const granted = (await Promise.all([burst(a, instance, 6, limit), burst(b, instance, 6, limit)])).flat();
    expectNoWindowAbove(granted, 3, 1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  });

  it('keeps one key per instance, with unique members, that expires after its window', async () => {
    const limiter = new InstanceRateLimiter(redis, { keyPrefix: prefix });
    const instance = randomUUID();
    await burst(limiter, instance, 3, { max: 5, per_seconds: 2 });
    const key = `${prefix}:tasks:rate:tenant-1:${instance}`;
    expect(await redis.zcard(key)).toBe(3);
    const ttl = await redis.pttl(key);
    // The window (2 s and the 100 ms margin) and a second more.
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(3100);
    // Another tenant's instance of the same id is another key.
    await limiter.acquire('tenant-2', instance, { max: 5, per_seconds: 2 });
    expect(await redis.zcard(key)).toBe(3);
  });

  it('resolves at once without a limit, and an aborted waiter leaves the queue to the next', async () => {
    const limiter = new InstanceRateLimiter(redis, { keyPrefix: prefix });
    const instance = randomUUID();
    const limit = { max: 1, per_seconds: 1 };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 20 }, () => limiter.acquire('tenant-1', instance, null)));
    expect(Date.now() - t0).toBeLessThan(50);

    await limiter.acquire('tenant-1', instance, limit);
    const controller = new AbortController();
    const aborted = limiter.acquire('tenant-1', instance, limit, controller.signal);
    const next = limiter.acquire('tenant-1', instance, limit).then(() => Date.now());
    setTimeout(() => controller.abort(), 200);
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError', code: 'rate_limit_wait_aborted' });
    // The slot the aborted one waited for goes to the next, about 1 s after the first.
    expect((await next) - t0).toBeLessThan(1500);
    // Already aborted: rejects without taking anything.
    await expect(limiter.acquire('tenant-1', instance, limit, AbortSignal.abort())).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('stops waiting once every waiter has aborted, however long the window (nothing keeps the process up)', async () => {
    const limiter = new InstanceRateLimiter(redis, { keyPrefix: prefix });
    const instance = randomUUID();
    const limit = { max: 1, per_seconds: 3600 };
    await limiter.acquire('tenant-1', instance, limit);
    const controller = new AbortController();
    const waiting = limiter.acquire('tenant-1', instance, limit, controller.signal);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 20));
    expect((limiter as unknown as { queues: Map<string, unknown> }).queues.size).toBe(0);
  });
});

describe('instance rate limit while Redis is away', () => {
  let server: TestRedisServer;
  let redis: IORedis;

  beforeAll(async () => {
    server = await TestRedisServer.start();
    redis = await connectedClient(server.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.kill();
  });

  it('keeps limiting in this process, and goes back to Redis once it returns', async () => {
    const limiter = new InstanceRateLimiter(redis, { keyPrefix: 'outage', redisTimeoutMs: 200 });
    const instance = randomUUID();
    const limit = { max: 2, per_seconds: 1 };
    // Two slots taken in Redis are known to the fallback too.
    const before = await burst(limiter, instance, 2, limit);
    await server.kill();
    const during = await burst(limiter, instance, 4, limit);
    expectNoWindowAbove([...before, ...during], 2, 1000);
    expect(Math.max(...during) - Math.min(...before)).toBeGreaterThanOrEqual(2000);

    await server.restart();
    await ready(redis);
    await limiter.acquire('tenant-1', instance, limit);
    expect(await redis.zcard(`outage:tasks:rate:tenant-1:${instance}`)).toBe(1);
  });

  it("with fallback 'reject', acquire fails with a code while Redis is away", async () => {
    const limiter = new InstanceRateLimiter(redis, { keyPrefix: 'outage', fallback: 'reject', redisTimeoutMs: 200 });
    await server.kill();
    try {
      await expect(limiter.acquire('tenant-1', randomUUID(), { max: 1, per_seconds: 1 })).rejects.toMatchObject({
        code: 'rate_limiter_unavailable',
      });
    } finally {
      await server.restart();
      await ready(redis);
    }
  });
});

describe('instance rate limit across worker processes', () => {
  const prefix = `conduit-test-${randomBytes(4).toString('hex')}`;
  let receiver: WebhookReceiver;
  let redis: IORedis;
  const senders: RunningProcess[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    redis = await connectedClient(REDIS_URL);
  });

  afterAll(async () => {
    await Promise.all(senders.map((s) => s.stop()));
    await receiver.close();
    await deleteRedisPrefix(redis, prefix);
    redis.disconnect();
  });

  it('two processes, 25 runs each, 5 per 1 s: the receiver never sees more than 5 in a second; ~10 s in all', async () => {
    let released = 0;
    let release: () => void = () => undefined;
    const go = new Promise<void>((resolve) => (release = resolve));
    // The barrier: both senders have loaded and connected before either takes a slot.
    receiver.respond(async () => {
      if (++released === 2) release();
      await go;
      return 200;
    }, '/start');

    const instance = randomUUID();
    for (const name of ['a', 'b']) {
      senders.push(
        startProcess(process.execPath, ['-r', '@swc-node/register', `${ROOT}/test/support/rate-limited-sender.ts`], {
          REDIS_URL,
          KEY_PREFIX: prefix,
          RECEIVER_URL: receiver.url(''),
          TENANT_ID: 'tenant-1',
          INSTANCE_ID: instance,
          COUNT: '25',
          MAX: '5',
          PER_SECONDS: '1',
          SENDER: name,
          LOG_LEVEL: 'warn',
        }),
      );
    }
    await go;
    const startedAt = Date.now();
    const hits = await receiver.waitFor(50, '/hit', 20_000);
    const elapsed = Math.max(...hits.map((h) => h.receivedAt)) - startedAt;
    await Promise.all(senders.map((s) => s.waitForOutput(/done/, 10_000)));

    expectNoWindowAbove(
      hits.map((h) => h.receivedAt),
      5,
      1000,
    );
    // Both processes got their share through the same window.
    expect(hits.filter((h) => h.body.startsWith('a ')).length).toBe(25);
    expect(hits.filter((h) => h.body.startsWith('b ')).length).toBe(25);
    // 50 at 5 per window (1 s plus the limiter's 100 ms margin): the last five go out 9 windows after the first five.
    expect(elapsed).toBeGreaterThanOrEqual(9000);
    expect(elapsed).toBeLessThanOrEqual(11_000);
  }, 90_000);
});
