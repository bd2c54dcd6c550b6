// What every queue's processor shares: settings applied at start (decorator options are fixed at import time, before
// configuration exists), a drain before shutdown, job payloads checked against their schema, and failures logged
// once (a database outage by DatabaseAvailability, not by each job it failed). Subclasses say what a job does.
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import type { ZodType } from 'zod';
import { DatabaseAvailability } from '@conduit/database';

export interface QueueRunOptions {
  /** jobs of this queue processed at once by this process */
  concurrency: number;
  /** BullMQ's job lock and stalled check: a crashed worker's job goes back to the queue after this long */
  lockMs?: number;
}

export abstract class QueueProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  /** Set when shutdown begins: work that would chain into more work leaves it to the queue instead. */
  protected stopping = false;
  // A property, so the subclasses' constructors need not pass it along.
  @Inject(DatabaseAvailability) protected readonly database!: DatabaseAvailability;

  /** `what` names the jobs in log lines, e.g. 'delivery'. */
  protected constructor(private readonly what: string) {
    super();
  }

  protected abstract runOptions(): QueueRunOptions;

  onApplicationBootstrap(): void {
    const { concurrency, lockMs } = this.runOptions();
    if (lockMs !== undefined) {
      this.worker.opts.lockDuration = lockMs;
      this.worker.opts.stalledInterval = lockMs;
    }
    this.worker.concurrency = concurrency;
    if (this.worker.isRunning()) return;
    this.worker
      .run()
      .catch((err: unknown) => this.logger.error({ err: (err as Error).message }, `${this.what} worker stopped`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // Drain here, not in onApplicationShutdown: that is where the DB pool, Redis and HTTP clients that running jobs
    // use are closed. close() stops fetching and resolves once every active job has completed.
    await this.worker.close();
  }

  /** The job's payload as its schema reads it; a payload that does not fit fails the job for good. */
  protected payload<T>(job: Job<unknown>, schema: ZodType<T>): T {
    const parsed = schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid ${this.what} job: ${parsed.error.message}`);
    return parsed.data;
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    if (!this.database.notice(err))
      this.logger.warn({ job_id: job?.id, job_name: job?.name, err: err.message }, `${this.what} job failed`);
  }
}
