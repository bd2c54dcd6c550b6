// The rate limiter's counters in Redis, so every API replica counts against the same limit (the in-memory storage
// of @nestjs/throttler gives each process its own). Same semantics as that storage: a sliding window of hits per
// key and throttler, and once over the limit the caller is blocked for blockDuration. One script, one round trip.
// When Redis does not answer, the limit falls back to this process's own counters (fail open across replicas rather
// than failing every request), with a warning.
import { Logger } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type IORedis from 'ioredis';
import type { ConduitConfig } from '@conduit/platform';

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

export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new ThrottlerStorageService();
  private sequence = 0;
  private warnedAt = 0;

  private readonly incrementScript: (...args: (string | number)[]) => Promise<[number, number, number, number]>;

  constructor(
    private readonly config: ConduitConfig,
    redis: IORedis,
  ) {
    // A defined command is sent by its SHA (EVALSHA) once Redis knows it, not as the whole script on every request.
    redis.defineCommand('conduitThrottleIncrement', { numberOfKeys: 2, lua: INCREMENT });
    const client = redis as unknown as { conduitThrottleIncrement: (...args: (string | number)[]) => Promise<[number, number, number, number]> };
    this.incrementScript = client.conduitThrottleIncrement.bind(redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.incrementShared(key, ttl, limit, blockDuration, throttlerName);
    } catch (err) {
      if (Date.now() - this.warnedAt > WARN_EVERY_MS) {
        this.warnedAt = Date.now();
        this.logger.warn({ err: (err as Error).message }, 'rate limit counters unavailable in Redis; counting in this process only');
      }
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  private async incrementShared(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const base = `${this.config.REDIS_PREFIX}:throttle:${throttlerName}:${key}`;
    this.sequence = (this.sequence + 1) % 1_000_000_000;
    const member = `${Date.now()}-${process.pid}-${this.sequence}-${Math.random().toString(36).slice(2, 8)}`;
    const [hits, expiresIn, blocked, blockedFor] = await this.incrementScript(`${base}:hits`, `${base}:blocked`, Date.now(), ttl, limit, blockDuration, member);
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(expiresIn / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockedFor / 1000),
    };
  }
}
