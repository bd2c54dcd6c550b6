// The process's plain Redis client (health, rate-limit counters, heartbeat, small keys). It never queues commands while
// disconnected: a caller gets an error at once instead of waiting for Redis to come back.
import { Inject } from '@nestjs/common';
import IORedis from 'ioredis';
import { redisOptionsFromUrl } from './redis-connection';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const InjectRedis = () => Inject(REDIS_CLIENT);

export function createRedisClient(url: string): IORedis {
  const client = new IORedis({
    ...redisOptionsFromUrl(url),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    keyPrefix: undefined,
    // Commands issued in the same turn of the event loop (the rate-limit counters of concurrent requests) leave in
    // one write: under load, a socket write per request cost more than the command itself.
    enableAutoPipelining: true,
  });
  // Every failed reconnect attempt is an 'error' event; RedisAvailability reports outages, once each.
  client.on('error', () => undefined);
  return client;
}
