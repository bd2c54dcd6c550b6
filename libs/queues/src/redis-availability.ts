// Whether this process can reach Redis right now, watched on the shared client's connection events, and the one place
// that logs an outage (once when it starts, once when it ends). Producers go through call(): while Redis is away a job
// is not queued (the rows are committed; the reconcilers queue them once it is back) instead of waiting for it.
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { QueueUnavailableError } from '@conduit/platform';
import { InjectRedis } from './redis-client';
import { RedisOutage, RedisState, isRedisUnavailable } from './redis-outage';

/** Longest a caller waits for Redis to take a command before giving up on it (the command may still land later). */
export const REDIS_CALL_TIMEOUT_MS = 2000;

@Injectable()
export class RedisAvailability implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly outage = new RedisOutage();
  private readonly restoredListeners = new Set<() => void>();
  private closing = false;

  constructor(@InjectRedis() redis: IORedis) {
    redis.on('ready', () => this.onReady());
    redis.on('close', () => this.onLost('connection closed'));
    redis.on('error', (err: Error) => this.onLost(err.message));
    if (redis.status === 'ready') this.outage.restored(Date.now());
  }

  get state(): RedisState {
    return this.outage.state;
  }

  /** Known to be away (not merely still connecting at start). */
  get isDown(): boolean {
    return this.outage.state === 'down';
  }

  /**
   * Runs fn, a Redis command or BullMQ call, unless Redis is known to be away; waits at most timeoutMs for it. A
   * failure for want of Redis comes out as QueueUnavailableError (logged here only when no known outage explains it).
   */
  async call<T>(what: string, fn: () => Promise<T>, timeoutMs = REDIS_CALL_TIMEOUT_MS): Promise<T> {
    if (this.isDown) throw new QueueUnavailableError(`Redis is unavailable: ${what} not done`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new QueueUnavailableError(`Redis did not answer within ${timeoutMs} ms: ${what} not done`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      if (!isRedisUnavailable(err)) throw err;
      this.noteFailure(err);
      throw err instanceof QueueUnavailableError
        ? err
        : new QueueUnavailableError(`Redis is unavailable: ${what} not done`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** For errors met outside call() (queue and worker 'error' events): true when err means Redis is away. */
  noteFailure(err: unknown): boolean {
    if (!isRedisUnavailable(err)) return false;
    if (!this.closing && this.outage.unexplainedFailure(Date.now())) {
      this.logger.warn(
        { err: (err as Error).message },
        'a Redis command failed while the connection looked up; queued work waits for the reconcilers',
      );
    }
    return true;
  }

  /** Runs listener each time Redis comes back after an outage. */
  onRestored(listener: () => void): () => void {
    this.restoredListeners.add(listener);
    return () => this.restoredListeners.delete(listener);
  }

  beforeApplicationShutdown(): void {
    // Closing our own connections is no outage.
    this.closing = true;
  }

  private onLost(reason: string): void {
    if (this.closing || !this.outage.lost(Date.now())) return;
    this.logger.error(
      { err: reason },
      'Redis is unavailable: work is still accepted and kept in PostgreSQL; queues wait until Redis is back (logged once per outage)',
    );
  }

  private onReady(): void {
    const downForMs = this.outage.restored(Date.now());
    if (downForMs === null) return;
    this.logger.log(
      { down_for_ms: downForMs },
      'Redis is available again; queues resume and the reconcilers queue what waited',
    );
    for (const listener of this.restoredListeners) listener();
  }
}
