// BullMQ wants ioredis options, operators give a URL: translate once, and fail fast when nobody answers.
import { CodedError } from '@conduit/platform';
import IORedis, { RedisOptions } from 'ioredis';
import { reconnectDelayMs } from './redis-outage';

export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isFinite(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    // BullMQ's own default backs off to 20 s between attempts, so queues would resume up to 20 s after Redis is back.
    retryStrategy: reconnectDelayMs,
  };
}

export class RedisUnavailableError extends CodedError<'redis_unavailable'> {
  readonly code = 'redis_unavailable';
}

export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const client = new IORedis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  const where = new URL(url);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new RedisUnavailableError(
      `Redis did not answer at ${where.hostname}:${where.port || 6379} (${(err as Error).message}). ` +
        'Start one (for example: redis-server --port 6379) or set REDIS_URL=redis://host:port.',
    );
  } finally {
    client.disconnect();
  }
}

/** Removes every key under `prefix` (queues, schedulers, heartbeat, rate-limit counters): for tests and benchmarks. */
export async function deleteRedisPrefix(redis: IORedis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
