import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { ConduitConfig, InjectConfig, InvariantError } from '@conduit/platform';
import { QueueProcessor, QueueRunOptions } from '@conduit/queues';
import { CHAIN_STEPS_QUEUE, ChainStepJob, chainStepJobSchema } from '../chain-step-job';
import { ChainStepScheduler } from '../chain-step-scheduler';
import { ChainStepMetrics } from './chain-step-metrics';
import { StepEngine } from './step-engine';

// BullMQ's own job lock: a crashed worker's job goes back to the queue after this long. Kept within the step lease
// so the job returns about when the row becomes claimable again.
const MAX_LOCK_MS = 30_000;
// Steps one job runs back to back before handing the run to the queue again (fairness between runs).
const MAX_INLINE_STEPS = 20;

// A job starts at one attempt of one step of a run; the rules live in StepEngine, this adapts it to BullMQ. When a
// step leads to another that is due at once (no delay, no pause, no retry backoff), the same job runs it without a
// round through Redis: the next step run is already committed as pending, so if this process dies in between the
// reconciler queues it. Delayed, retried and paused steps go through the queue as before.
@Processor(CHAIN_STEPS_QUEUE, { autorun: false })
export class ChainStepProcessor extends QueueProcessor {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly engine: StepEngine,
    private readonly scheduler: ChainStepScheduler,
    private readonly metrics: ChainStepMetrics,
  ) {
    super('chain step');
  }

  protected runOptions(): QueueRunOptions {
    return {
      concurrency: this.config.CHAIN_STEP_CONCURRENCY,
      lockMs: Math.min(MAX_LOCK_MS, this.config.CHAIN_LEASE_SECONDS * 1000),
    };
  }

  async process(job: Job<unknown>): Promise<void> {
    let current: ChainStepJob | undefined = this.payload(job, chainStepJobSchema);
    for (let run = 0; current; run += 1) {
      const inline = run + 1 < MAX_INLINE_STEPS && !this.stopping;
      const outcome = await this.engine.attempt(current, { continueInline: inline });
      this.metrics.observeChainStep(outcome);
      if (outcome.outcome === 'lease_lost')
        this.logger.warn({ step_run_id: current.step_run_id }, 'chain step lease lost; its result was not recorded');
      current = outcome.next;
      if (current && !inline)
        throw new InvariantError('unexpected_next_step', 'the engine returned a next step without being asked to');
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

  // A failed job is one the engine could not record (the database is unreachable): the step run keeps its lease, the
  // reconciler queues it again once the lease expires, and the claim counts the lost attempt (MAX_LOST_ATTEMPTS).
}
