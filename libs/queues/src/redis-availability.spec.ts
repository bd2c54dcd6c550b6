import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type IORedis from 'ioredis';
import { QueueUnavailableError } from '@conduit/platform';
import { RedisAvailability } from './redis-availability';

/** Stands in for the shared client: only its connection events matter here. */
function connection(status = 'connecting') {
  return Object.assign(new EventEmitter(), { status }) as EventEmitter & { status: string };
}

describe('RedisAvailability', () => {
  // The outage notices it logs are not this file's output.
  beforeAll(() => Logger.overrideLogger(false));

  it('follows the connection: up when ready, down when it closes, back with one notice per outage', () => {
    const redis = connection();
    const availability = new RedisAvailability(redis as unknown as IORedis);
    const restored = vi.fn();
    availability.onRestored(restored);
    redis.emit('ready');
    expect(availability.state).toBe('up');
    expect(restored).not.toHaveBeenCalled(); // the first connection is no recovery
    redis.emit('close');
    redis.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    redis.emit('close');
    expect(availability.isDown).toBe(true);
    redis.emit('ready');
    expect(restored).toHaveBeenCalledTimes(1);
  });

  it('refuses at once while Redis is away, without calling', async () => {
    const redis = connection();
    const availability = new RedisAvailability(redis as unknown as IORedis);
    redis.emit('close');
    const fn = vi.fn(async () => 'never');
    await expect(availability.call('queueing', fn)).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('gives up on a call Redis does not answer, and turns connection errors into QueueUnavailableError', async () => {
    const availability = new RedisAvailability(connection('ready') as unknown as IORedis);
    await expect(availability.call('queueing', () => new Promise(() => undefined), 20)).rejects.toThrow(
      /did not answer within 20 ms/,
    );
    const dropped = availability.call('queueing', async () => {
      throw new Error('Connection is closed.');
    });
    await expect(dropped).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(await availability.call('queueing', async () => 'done')).toBe('done');
  });

  it('passes other errors through as they are', async () => {
    const availability = new RedisAvailability(connection('ready') as unknown as IORedis);
    const bug = new Error('ERR unknown command');
    await expect(availability.call('queueing', async () => Promise.reject(bug))).rejects.toBe(bug);
  });
});
