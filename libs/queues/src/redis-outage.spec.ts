import { QueueUnavailableError } from '@conduit/platform';
import {
  RECOVERY_GRACE_MS,
  RedisOutage,
  UNEXPLAINED_FAILURE_LOG_EVERY_MS,
  isRedisUnavailable,
  reconnectDelayMs,
} from './redis-outage';

describe('isRedisUnavailable', () => {
  it('recognises refused, reset and unreachable sockets, closed connections and dropped commands', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']) {
      expect(isRedisUnavailable(Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code }))).toBe(true);
    }
    expect(isRedisUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(
      isRedisUnavailable(
        Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
          name: 'MaxRetriesPerRequestError',
        }),
      ),
    ).toBe(true);
    expect(isRedisUnavailable(new QueueUnavailableError('Redis did not answer'))).toBe(true);
  });

  it('leaves command errors and anything else alone', () => {
    expect(isRedisUnavailable(new Error('ERR wrong number of arguments for command'))).toBe(false);
    expect(isRedisUnavailable(new Error('Missing key for job 1. moveToFinished'))).toBe(false);
    expect(isRedisUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isRedisUnavailable('ECONNREFUSED')).toBe(false);
    expect(isRedisUnavailable(null)).toBe(false);
  });
});

describe('RedisOutage', () => {
  it('starts an outage once however often the connection fails, and ends it once with its length', () => {
    const outage = new RedisOutage();
    expect(outage.state).toBe('connecting');
    expect(outage.restored(0)).toBeNull(); // the first connection ends no outage
    expect(outage.lost(1000)).toBe(true);
    expect(outage.lost(1200)).toBe(false); // every reconnect attempt fails again
    expect(outage.lost(3200)).toBe(false);
    expect(outage.state).toBe('down');
    expect(outage.restored(6000)).toBe(5000);
    expect(outage.restored(6100)).toBeNull();
    expect(outage.state).toBe('up');
    expect(outage.lost(7000)).toBe(true); // a new outage is told again
  });

  it('counts a process that never reached Redis as one outage', () => {
    const outage = new RedisOutage();
    expect(outage.lost(0)).toBe(true);
    expect(outage.lost(100)).toBe(false);
  });

  it('logs a failure no outage explains at most once a minute, and none just after a recovery', () => {
    const outage = new RedisOutage();
    outage.restored(0);
    expect(outage.unexplainedFailure(RECOVERY_GRACE_MS - 1)).toBe(false); // other connections still reconnecting
    expect(outage.unexplainedFailure(RECOVERY_GRACE_MS)).toBe(true);
    expect(outage.unexplainedFailure(RECOVERY_GRACE_MS + 1000)).toBe(false);
    expect(outage.unexplainedFailure(RECOVERY_GRACE_MS + UNEXPLAINED_FAILURE_LOG_EVERY_MS)).toBe(true);
    outage.lost(100_000);
    expect(outage.unexplainedFailure(200_000)).toBe(false); // the outage explains it (and was logged)
  });
});

describe('reconnectDelayMs', () => {
  it('retries quickly at first, then every 2 s at most', () => {
    expect(reconnectDelayMs(1)).toBe(200);
    expect(reconnectDelayMs(5)).toBe(1000);
    expect([10, 100, 10_000].map(reconnectDelayMs)).toEqual([2000, 2000, 2000]);
  });
});
