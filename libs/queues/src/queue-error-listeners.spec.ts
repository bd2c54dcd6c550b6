import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import type IORedis from 'ioredis';
import { QueueErrorListeners } from './queue-error-listeners';
import { RedisAvailability } from './redis-availability';
import type { RegisteredQueues } from './registered-queues';

/** A queue as the listeners see it: a name and 'error' events. */
function queue(name: string) {
  return Object.assign(new EventEmitter(), { name });
}

describe('QueueErrorListeners', () => {
  let logged: { level: string; message: string }[];

  beforeEach(() => {
    logged = [];
    for (const level of ['error', 'warn', 'debug'] as const)
      vi.spyOn(Logger.prototype, level).mockImplementation((_: unknown, message?: unknown) => {
        logged.push({ level, message: String(message) });
      });
  });
  afterEach(() => vi.restoreAllMocks());

  function listening() {
    const redis = Object.assign(new EventEmitter(), { status: 'ready' });
    const availability = new RedisAvailability(redis as unknown as IORedis);
    const deliveries = queue('deliveries');
    const listeners = new QueueErrorListeners(
      { all: () => [deliveries] } as unknown as RegisteredQueues,
      { getProviders: () => [] } as unknown as DiscoveryService,
      availability,
    );
    listeners.onModuleInit();
    listeners.onApplicationBootstrap();
    return { redis, deliveries };
  }

  it('says jobs lost with Redis once per outage, and any other error each time', () => {
    const { redis, deliveries } = listening();
    const lost = (id: string) => new Error(`Missing key for job ${id}. moveToFinished`);
    deliveries.emit('error', lost('a-1'));
    deliveries.emit('error', lost('b-1'));
    deliveries.emit('error', lost('a-1'));
    expect(logged.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(logged.filter((l) => l.level === 'debug')).toHaveLength(2);
    expect(logged.filter((l) => l.level === 'error')).toHaveLength(0);

    // Away and back again: the next outage's lost jobs are said again, once.
    redis.emit('close');
    redis.emit('ready');
    deliveries.emit('error', lost('c-1'));
    deliveries.emit('error', lost('d-1'));
    expect(logged.filter((l) => l.level === 'warn')).toHaveLength(2);

    deliveries.emit('error', new Error('Unexpected reply'));
    deliveries.emit('error', new Error('Unexpected reply'));
    // (The outage itself is RedisAvailability's own error line.)
    expect(logged.filter((l) => l.level === 'error' && l.message === 'queue error')).toHaveLength(2);
  });
});
