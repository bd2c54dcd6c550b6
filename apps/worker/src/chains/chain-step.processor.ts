import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { StepEngine } from '@conduit/chains';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { chainStepJobSchema } from './chain-step-job.schema';

// BullMQ's own job lock: a crashed worker's job goes back to the queue after this long. Kept within the step lease
// so the job returns about when the row becomes claimable again.
const MAX_LOCK_MS = 30_000;

// One job per attempt of one step of a run; the rules live in StepEngine, this adapts it to BullMQ.
@Processor('chain-steps', { autorun: false })
export class ChainStepProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChainStepProcessor.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly engine: StepEngine,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    const lockMs = Math.min(MAX_LOCK_MS, this.config.WEBHOOK_LEASE_SECONDS * 1000);
    this.worker.opts.lockDuration = lockMs;
    this.worker.opts.stalledInterval = lockMs;
    this.worker.concurrency = this.config.WEBHOOK_DELIVERY_CONCURRENCY;
    this.worker.run().catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'chain step worker stopped'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Drain here, not in onApplicationShutdown: that is where the DB pool, Redis and HTTP client running jobs use are closed.
    await this.worker.close();
  }

  async process(job: Job<unknown>): Promise<void> {
    const parsed = chainStepJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid chain step job: ${parsed.error.message}`);
    const outcome = await this.engine.attempt(parsed.data);
    if (outcome.outcome === 'lease_lost') this.logger.warn({ step_run_id: parsed.data.step_run_id }, 'chain step lease lost; its result was not recorded');
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    // The step run keeps its lease or pending state; the reconciler queues it again.
    this.logger.warn({ job_id: job?.id, err: err.message }, 'chain step job failed');
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.error({ err: err.message }, 'chain step worker error');
  }
}
