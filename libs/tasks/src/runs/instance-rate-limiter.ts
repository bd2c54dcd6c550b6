// An instance's `rate_limit` ({ max, per_seconds }) held across every worker process (docs/tasks.md): a
// sliding window log per instance in a Redis sorted set, timed by Redis's own clock. While Redis is away each process
// keeps limiting with a window of its own (the limit then holds per process, not across them).
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { CodedError } from '@conduit/platform';
import { RedisAvailability } from '@conduit/queues';
import { InProcessSlidingWindow } from './in-process-sliding-window';

export interface InstanceRateLimit {
  max: number;
  per_seconds: number;
}

export interface InstanceRateLimiterOptions {
  /** The deployment's REDIS_PREFIX; keys are `<keyPrefix>:tasks:rate:<tenant id>:<instance id>`. */
  keyPrefix?: string;
  /** This process's clock (ms), for the in-process window only: Redis decides by its own TIME. */
  now?: () => number;
  /**
   * While Redis is away or slow: 'in-process' (default) keeps limiting with a window of this process's own;
   * 'reject' fails acquire() with InstanceRateLimiterUnavailableError instead.
   */
  fallback?: 'in-process' | 'reject';
  /** The process's RedisAvailability: during a known outage Redis is not even tried. */
  availability?: RedisAvailability;
  /**
   * Added to every window (ms). Between taking a slot and the request reaching the instance lie a few ms that differ
   * from request to request; without a margin the instance could see max + 1 requests inside one window. Default
   * 100 ms: measured on a loaded machine, 50 ms was not enough (docs/tasks.md, "Instance rate limits").
   */
  marginMs?: number;
  /** Longest wait for Redis to answer before the fallback decides (ms). */
  redisTimeoutMs?: number;
}

export type InstanceRateLimitErrorCode = 'rate_limit_wait_aborted' | 'rate_limiter_unavailable';

/** acquire() gave up because its signal aborted. Named AbortError like the platform's own aborts. */
export class InstanceRateLimitAbortedError extends CodedError<'rate_limit_wait_aborted'> {
  readonly code = 'rate_limit_wait_aborted';

  constructor(cause: unknown) {
    super('waiting for the instance rate limit was aborted', { cause });
    this.name = 'AbortError';
  }
}

/** With fallback 'reject': Redis could not decide. */
export class InstanceRateLimiterUnavailableError extends CodedError<'rate_limiter_unavailable'> {
  readonly code = 'rate_limiter_unavailable';
}

// KEYS[1] the instance's sorted set (member: a unique slot id, score: when taken, µs of Redis's clock).
// ARGV: window µs, max, member. Returns {1, 0} when the slot was taken, else {0, µs until one is free}.
// Scores go out through string.format: a Lua number handed to redis.call keeps only 14 significant digits.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
local count = redis.call('ZCARD', KEYS[1])
if count < max then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return {1, 0}
end
local nth = redis.call('ZRANGE', KEYS[1], count - max, count - max, 'WITHSCORES')
return {0, tonumber(nth[2]) + window - now}`;

const DEFAULT_MARGIN_MS = 100;
const DEFAULT_REDIS_TIMEOUT_MS = 500;
/** Waiters of different processes wake a little apart rather than all at the same ms. */
const JITTER_MS = 20;
/** The longest sleep before asking again (a raised limit, or Redis back after an outage, is seen this soon). */
const MAX_SLEEP_MS = 10_000;
const WARN_EVERY_MS = 60_000;

interface Waiter {
  limit: InstanceRateLimit;
  grant(): void;
  fail(err: unknown): void;
}

/** The waiters of one instance in this process: the first asks for a slot, the others wait their turn. */
interface InstanceQueue {
  waiters: Waiter[];
  running: boolean;
  wake?: () => void;
}

type TakeScript = (key: string, windowUs: number, max: number, member: string) => Promise<[number, number]>;

export class InstanceRateLimiter {
  private readonly logger = new Logger('InstanceRateLimiter');
  private readonly queues = new Map<string, InstanceQueue>();
  private readonly local = new InProcessSlidingWindow();
  private readonly script: TakeScript;
  private readonly keyPrefix: string;
  private readonly now: () => number;
  private readonly marginMs: number;
  private readonly redisTimeoutMs: number;
  /** Slot ids are unique across processes and hosts (containers all run as pid 1). */
  private readonly memberPrefix = `${process.pid}:${randomBytes(6).toString('hex')}`;
  private counter = 0;
  private warnedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: IORedis,
    private readonly options: InstanceRateLimiterOptions = {},
  ) {
    redis.defineCommand('conduitInstanceRateLimit', { numberOfKeys: 1, lua: SCRIPT });
    const client = redis as unknown as { conduitInstanceRateLimit: TakeScript };
    this.script = client.conduitInstanceRateLimit.bind(redis);
    this.keyPrefix = options.keyPrefix ?? 'conduit';
    this.now = options.now ?? Date.now;
    this.marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
    this.redisTimeoutMs = options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  }

  /**
   * Waits until a request to this instance may be sent, then takes the slot. Resolves at once when limit is null.
   * Rejects with InstanceRateLimitAbortedError (name 'AbortError') if signal aborts while waiting. Waiters of one
   * instance in one process are served in the order they came.
   */
  acquire(tenantId: string, instanceId: string, limit: InstanceRateLimit | null, signal?: AbortSignal): Promise<void> {
    if (!limit) return Promise.resolve();
    if (!(limit.max >= 1) || !(limit.per_seconds > 0)) {
      return Promise.reject(
        new RangeError(`rate limit needs max >= 1 and per_seconds > 0, got ${JSON.stringify(limit)}`),
      );
    }
    if (signal?.aborted) return Promise.reject(new InstanceRateLimitAbortedError(signal.reason));
    const key = `${this.keyPrefix}:tasks:rate:${tenantId}:${instanceId}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { waiters: [], running: false };
      this.queues.set(key, queue);
    }
    const q = queue;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = q.waiters.indexOf(waiter);
        if (at >= 0) q.waiters.splice(at, 1);
        if (q.waiters.length === 0) q.wake?.();
        reject(new InstanceRateLimitAbortedError(signal?.reason));
      };
      const waiter: Waiter = {
        limit,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      q.waiters.push(waiter);
      if (!q.running) void this.serve(key, q);
    });
  }

  /** Hands out slots to the queue's waiters, first come first served, until none is left. */
  private async serve(key: string, queue: InstanceQueue): Promise<void> {
    queue.running = true;
    while (queue.waiters.length > 0) {
      const { limit } = queue.waiters[0];
      let waitMs: number;
      try {
        waitMs = await this.take(key, limit);
      } catch (err) {
        // Only with fallback 'reject': the first waiter learns Redis could not decide; the next one asks again.
        queue.waiters.shift()?.fail(err);
        continue;
      }
      if (waitMs === 0) {
        // The slot goes to whoever is first now (the one it was asked for may have aborted meanwhile).
        queue.waiters.shift()?.grant();
        continue;
      }
      await this.sleep(queue, Math.min(waitMs + Math.random() * JITTER_MS, MAX_SLEEP_MS));
    }
    queue.running = false;
    this.queues.delete(key);
  }

  /** 0 once a slot is taken, else the ms until one may be free. */
  private async take(key: string, limit: InstanceRateLimit): Promise<number> {
    const windowMs = limit.per_seconds * 1000 + this.marginMs;
    try {
      const [taken, waitUs] = await this.redisTake(key, windowMs * 1000, limit.max);
      if (Number(taken) === 1) {
        this.local.record(key, windowMs, this.now());
        return 0;
      }
      return Math.max(1, Math.ceil(Number(waitUs) / 1000));
    } catch (err) {
      this.warnOutage(err);
      if (this.options.fallback === 'reject') {
        throw new InstanceRateLimiterUnavailableError('Redis could not decide the instance rate limit', {
          cause: err,
        });
      }
      return this.local.take(key, limit.max, windowMs, this.now());
    }
  }

  private redisTake(key: string, windowUs: number, max: number): Promise<[number, number]> {
    const member = `${this.memberPrefix}:${++this.counter}`;
    const run = () => this.script(key, windowUs, max, member);
    const { availability } = this.options;
    if (availability) return availability.call('taking an instance rate-limit slot', run, this.redisTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new InstanceRateLimiterUnavailableError(`Redis did not answer within ${this.redisTimeoutMs} ms`)),
        this.redisTimeoutMs,
      );
    });
    return Promise.race([run(), timeout]).finally(() => clearTimeout(timer));
  }

  /** Sleeps ms, or less when the queue empties (every waiter aborted): nothing then keeps the process awake. */
  private sleep(queue: InstanceQueue, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        queue.wake = undefined;
        resolve();
      }
      queue.wake = done;
    });
  }

  private warnOutage(err: unknown): void {
    const at = this.now();
    if (at - this.warnedAt < WARN_EVERY_MS) return;
    this.warnedAt = at;
    this.logger.warn(
      { err: (err as Error).message },
      this.options.fallback === 'reject'
        ? 'instance rate limits unavailable in Redis; runs of rate-limited instances fail until it is back'
        : 'instance rate limits unavailable in Redis; each process limits on its own until it is back',
    );
  }
}
