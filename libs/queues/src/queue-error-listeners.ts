// Every BullMQ queue and worker reports connection trouble as 'error' events, one per failed reconnect attempt on each
// of its connections. Without a listener BullMQ prints each one to stderr; here those that mean "Redis is away" go to
// RedisAvailability (which logs the outage once) and the others are logged as the errors they are, but one: a worker
// finishing a job whose keys Redis lost (it came back without its data) is said once per outage, not once per job.
import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { RedisAvailability } from './redis-availability';
import { RegisteredQueues } from './registered-queues';

/** BullMQ's error for a job whose keys are gone: Redis came back without its data while a worker held the job. */
const LOST_JOB = /^Missing key for job /;

/** What a BullMQ Queue and Worker have in common here (their typed listener maps do not unify). */
interface ErrorEmitter {
  name: string;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

@Injectable()
export class QueueErrorListeners implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');
  /** The lost jobs of this outage were said (reset each time Redis comes back). */
  private lostJobsSaid = false;

  constructor(
    private readonly queues: RegisteredQueues,
    private readonly discovery: DiscoveryService,
    private readonly availability: RedisAvailability,
  ) {}

  onModuleInit(): void {
    this.availability.onRestored(() => (this.lostJobsSaid = false));
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
      if (this.availability.noteFailure(err)) return;
      if (LOST_JOB.test(err.message)) this.lostJob(emitter.name, err);
      else this.logger.error({ queue: emitter.name, err: err.message }, `${kind} error`);
    });
  }

  /**
   * Harmless for the work itself: the row in PostgreSQL is the truth, so what the job did is recorded there, and what
   * was not is queued again by the reconcilers. Only the job's Redis state is gone, so an operator hears it once.
   */
  private lostJob(queue: string, err: Error): void {
    if (this.lostJobsSaid) {
      this.logger.debug({ queue, err: err.message }, 'job state lost with Redis');
      return;
    }
    this.lostJobsSaid = true;
    this.logger.warn(
      { queue, err: err.message },
      'Redis came back without the state of jobs in progress (restarted without its data): their rows in PostgreSQL ' +
        'stand and the reconcilers queue again what was not recorded (said once per outage)',
    );
  }
}
