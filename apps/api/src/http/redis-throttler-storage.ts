// The rate limiter's counters in Redis, so every API replica counts against the same limit (the in-memory storage
// of @nestjs/throttler gives each process its own). Same semantics as that storage: a sliding window of hits per
// key and throttler, and once over the limit the caller is blocked for blockDuration. One script, one round trip.
// While Redis is away (or does not answer in time), the limit falls back to this process's own counters (fail open
// across replicas rather than failing or holding up every request); the outage is logged once by RedisAvailability.
import { Logger } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type IORedis from 'ioredis';
import { ConduitConfig, QueueUnavailableError } from '@conduit/platform';
import type { RedisAvailability } from '@conduit/queues';

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

// KEYS[1] hits (sorted set of hit times), KEYS[2] block marker; ARGV: now ms, ttl ms, limit, block ms, unique member.
// Returns { hits, ms until the oldest live hit expires, blocked 0|1, ms until the block ends }.
const INCREMENT = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local block = tonumber(ARGV[4])
local blockedFor = redis.call('PTTL', KEYS[2])
if blockedFor > 0 then
  return { redis.call('ZCARD', KEYS[1]), ttl, 1, blockedFor }
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
local hits = redis.call('ZCARD', KEYS[1])
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
local expiresIn = oldest + ttl - now
if hits > limit then
  redis.call('SET', KEYS[2], '1', 'PX', block)
  redis.call('DEL', KEYS[1])
  return { hits, expiresIn, 1, block }
end
return { hits, expiresIn, 0, 0 }`;

const WARN_EVERY_MS = 60_000;
/** A counter Redis has not answered within this long is counted locally: the request does not wait for it. */
const SHARED_COUNT_TIMEOUT_MS = 500;

export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new ThrottlerStorageService();
  private sequence = 0;
  private warnedAt = 0;

  private readonly incrementScript: (...args: (string | number)[]) => Promise<[number, number, number, number]>;

  constructor(
    private readonly config: ConduitConfig,
    redis: IORedis,
    private readonly availability: RedisAvailability,
  ) {
    // A defined command is sent by its SHA (EVALSHA) once Redis knows it, not as the whole script on every request.
    redis.defineCommand('conduitThrottleIncrement', { numberOfKeys: 2, lua: INCREMENT });
    const client = redis as unknown as {
      conduitThrottleIncrement: (...args: (string | number)[]) => Promise<[number, number, number, number]>;
    };
    this.incrementScript = client.conduitThrottleIncrement.bind(redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    // Known away: no command is even tried (it would fail at once, but the failure costs a stack trace per request).
    if (this.availability.isDown) return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    try {
      return await this.availability.call(
        'counting a request',
        () => this.incrementShared(key, ttl, limit, blockDuration, throttlerName),
        SHARED_COUNT_TIMEOUT_MS,
      );
    } catch (err) {
      if (!(err instanceof QueueUnavailableError) && Date.now() - this.warnedAt > WARN_EVERY_MS) {
        this.warnedAt = Date.now();
        this.logger.warn(
          { err: (err as Error).message },
          'rate limit counters unavailable in Redis; counting in this process only',
        );
      }
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  private async incrementShared(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${this.config.REDIS_PREFIX}:throttle:${throttlerName}:${key}`;
    this.sequence = (this.sequence + 1) % 1_000_000_000;
    const member = `${Date.now()}-${process.pid}-${this.sequence}-${Math.random().toString(36).slice(2, 8)}`;
    const [hits, expiresIn, blocked, blockedFor] = await this.incrementScript(
      `${base}:hits`,
      `${base}:blocked`,
      Date.now(),
      ttl,
      limit,
      blockDuration,
      member,
    );
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(expiresIn / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockedFor / 1000),
    };
  }
}
