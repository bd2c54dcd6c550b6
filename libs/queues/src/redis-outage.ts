// What counts as "Redis is away", and when to say so: once when an outage starts and once when it ends, never per
// request or per reconnect attempt (ioredis reports every failed attempt, every couple of seconds, on every
// connection).
import { QueueUnavailableError, isConnectionFailureCode } from '@conduit/platform';

/** ioredis' and BullMQ's wording for a command that could not be sent, or was dropped with its connection. */
const UNAVAILABLE_MESSAGES = [
  /^Connection is closed/,
  /^Stream isn't writeable/,
  /^Reached the max retries per request limit/,
  /^LOADING /,
];

/** Whether err says Redis could not be reached or dropped the connection (not that the command was wrong). */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof QueueUnavailableError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const { code, name, message } = err as { code?: unknown; name?: unknown; message?: unknown };
  if (name === 'MaxRetriesPerRequestError') return true;
  if (isConnectionFailureCode(code)) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

export type RedisState = 'connecting' | 'up' | 'down';

/** After Redis returns, other connections (each BullMQ queue and worker has its own) take a moment to reconnect. */
export const RECOVERY_GRACE_MS = 5000;
/**
 * A failure no known outage explains (a Redis that stopped answering without dropping the connection) is logged this
 * often at most.
 */
export const UNEXPLAINED_FAILURE_LOG_EVERY_MS = 60_000;

/** The outage bookkeeping of one process, fed by one connection's events; times in ms from the caller's clock. */
export class RedisOutage {
  private current: RedisState = 'connecting';
  private downSince = 0;
  private upSince = Number.NEGATIVE_INFINITY;
  private lastUnexplainedLog = Number.NEGATIVE_INFINITY;

  get state(): RedisState {
    return this.current;
  }

  /** The connection was lost (or could not be made): true when this starts an outage, the one moment to log it. */
  lost(now: number): boolean {
    if (this.current === 'down') return false;
    this.current = 'down';
    this.downSince = now;
    return true;
  }

  /** The connection is ready: how long the outage it ends lasted, or null when there was none (first connection). */
  restored(now: number): number | null {
    if (this.current === 'up') return null;
    const ended = this.current === 'down' ? now - this.downSince : null;
    this.current = 'up';
    this.upSince = now;
    return ended;
  }

  /** A command failed for want of Redis: whether to log it, i.e. no outage explains it and none was logged lately. */
  unexplainedFailure(now: number): boolean {
    if (this.current !== 'up' || now - this.upSince < RECOVERY_GRACE_MS) return false;
    if (now - this.lastUnexplainedLog < UNEXPLAINED_FAILURE_LOG_EVERY_MS) return false;
    this.lastUnexplainedLog = now;
    return true;
  }
}

/**
 * ioredis' delay before reconnect attempt `times` (from 1): quick at first, then every 2 s, so recovery is seen within
 * 2 s.
 */
export function reconnectDelayMs(times: number): number {
  return Math.min(Math.max(1, times) * 200, 2000);
}
