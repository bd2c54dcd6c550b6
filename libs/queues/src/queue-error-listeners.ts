// Every BullMQ queue and worker reports connection trouble as 'error' events, one per failed reconnect attempt on each
// of its connections. Without a listener BullMQ prints each one to stderr; here those that mean "Redis is away" go to
// RedisAvailability (which logs the outage once) and the others are logged as the errors they are.
import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { RedisAvailability } from './redis-availability';
import { RegisteredQueues } from './registered-queues';

/** What a BullMQ Queue and Worker have in common here (their typed listener maps do not unify). */
interface ErrorEmitter {
  name: string;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

@Injectable()
export class QueueErrorListeners implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');

  constructor(
    private readonly queues: RegisteredQueues,
    private readonly discovery: DiscoveryService,
    private readonly availability: RedisAvailability,
  ) {}

  onModuleInit(): void {
    for (const queue of this.queues.all()) this.listen('queue', queue);
  }

  onApplicationBootstrap(): void {
    // Workers exist once @nestjs/bullmq's explorer has run (onModuleInit); found, not listed, so a new processor is
    // covered.
    for (const wrapper of this.discovery.getProviders()) {
      const host: unknown = wrapper.instance;
      if (host instanceof WorkerHost) this.listen('worker', host.worker);
    }
  }

  private listen(kind: 'queue' | 'worker', emitter: ErrorEmitter): void {
    emitter.on('error', (err: Error) => {
      if (!this.availability.noteFailure(err))
        this.logger.error({ queue: emitter.name, err: err.message }, `${kind} error`);
    });
  }
}
