import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { ChainStepScheduler, StepEngine } from '@conduit/chains/engine';
import { DatabaseAvailability } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import type { ChainStepJob } from '@conduit/queues';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { chainStepJobSchema } from './chain-step-job.schema';

// BullMQ's own job lock: a crashed worker's job goes back to the queue after this long. Kept within the step lease
// so the job returns about when the row becomes claimable again.
const MAX_LOCK_MS = 30_000;
// Steps one job runs back to back before handing the run to the queue again (fairness between runs).
const MAX_INLINE_STEPS = 20;

// A job starts at one attempt of one step of a run; the rules live in StepEngine, this adapts it to BullMQ. When a
// step leads to another that is due at once (no delay, no pause, no retry backoff), the same job runs it without a
// round through Redis: the next step run is already committed as pending, so if this process dies in between the
// reconciler queues it. Delayed, retried and paused steps go through the queue as before.
@Processor('chain-steps', { autorun: false })
export class ChainStepProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChainStepProcessor.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly engine: StepEngine,
    private readonly scheduler: ChainStepScheduler,
    private readonly metrics: WorkerMetrics,
    private readonly database: DatabaseAvailability,
  ) {
    super();
  }

  private stopping = false;

  onApplicationBootstrap(): void {
    const lockMs = Math.min(MAX_LOCK_MS, this.config.CHAIN_LEASE_SECONDS * 1000);
    this.worker.opts.lockDuration = lockMs;
    this.worker.opts.stalledInterval = lockMs;
    this.worker.concurrency = this.config.CHAIN_STEP_CONCURRENCY;
    this.worker
      .run()
      .catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'chain step worker stopped'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // Drain here, not in onApplicationShutdown: that is where the DB pool, Redis and HTTP client running jobs use are
    // closed.
    await this.worker.close();
  }

  async process(job: Job<unknown>): Promise<void> {
    const parsed = chainStepJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid chain step job: ${parsed.error.message}`);
    let current: ChainStepJob | undefined = parsed.data;
    for (let run = 0; current; run += 1) {
      const inline = run + 1 < MAX_INLINE_STEPS && !this.stopping;
      const outcome = await this.engine.attempt(current, { continueInline: inline });
      this.metrics.observeChainStep(outcome);
      if (outcome.outcome === 'lease_lost')
        this.logger.warn({ step_run_id: current.step_run_id }, 'chain step lease lost; its result was not recorded');
      current = outcome.next;
      if (current && !inline) throw new Error('the engine returned a next step without being asked to');
      if (current && this.stopping) {
        // Shutting down: leave it to whichever worker takes the queue next.
        await this.scheduler.enqueue([
          {
            tenantId: current.tenant_id,
            runId: current.run_id,
            stepRunId: current.step_run_id,
            attempt: current.attempt,
          },
        ]);
        current = undefined;
      }
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    // The engine records every failure it can as a failed attempt; this is one it could not record (the database is
    // unreachable). The step run keeps its lease, and the reconciler queues it again once the lease expires; the claim
    // then counts the lost attempt, and the engine gives up on a step after a few of them (MAX_LOST_ATTEMPTS).
    // A database outage is logged once, not with each job it failed.
    if (!this.database.notice(err)) this.logger.warn({ job_id: job?.id, err: err.message }, 'chain step job failed');
  }
}
