import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { DeliveryEngine } from '@conduit/webhooks';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { deliveryJobSchema } from './delivery-job.schema';

// BullMQ's own job lock: a crashed worker's job goes back to the queue after this long. Kept within the delivery
// lease so the job returns about when the row becomes claimable again.
const MAX_LOCK_MS = 30_000;

// One job per delivery attempt; the rules live in DeliveryEngine, this adapts it to BullMQ.
@Processor('deliveries', { autorun: false })
export class DeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly engine: DeliveryEngine,
    private readonly metrics: WorkerMetrics,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Decorator options are fixed at import time, before configuration exists: set them here, then start.
    const lockMs = Math.min(MAX_LOCK_MS, this.config.WEBHOOK_LEASE_SECONDS * 1000);
    this.worker.opts.lockDuration = lockMs;
    this.worker.opts.stalledInterval = lockMs;
    this.worker.concurrency = this.config.WEBHOOK_DELIVERY_CONCURRENCY;
    this.worker.run().catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'delivery worker stopped'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Drain here, not in onApplicationShutdown: that is where the DB pool, Redis and HTTP client that running jobs use are closed.
    await this.worker.close();
  }

  async process(job: Job<unknown>, token?: string): Promise<void> {
    const parsed = deliveryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid delivery job: ${parsed.error.message}`);
    const outcome = await this.engine.attempt(parsed.data);
    this.metrics.observeAttempt(outcome);
    if (outcome.outcome === 'deferred' && token) {
      // Same job id, so the attempt keeps its place: a new job with that id would be dropped as a duplicate of this one.
      await job.moveToDelayed(Date.now() + (outcome.retryInMs ?? 0), token);
      throw new DelayedError();
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    // The row keeps its lease or pending state; the reconciler queues it again.
    this.logger.warn({ job_id: job?.id, err: err.message }, 'delivery job failed');
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.error({ err: err.message }, 'delivery worker error');
  }
}
