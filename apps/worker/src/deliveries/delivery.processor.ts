import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { DatabaseAvailability } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { DeliveryScheduler } from '@conduit/webhooks';
import { DeliveryEngine } from '@conduit/webhooks/engine';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { AttemptSlots } from './attempt-slots';
import { deliveryJobSchema } from './delivery-job.schema';

// BullMQ's own job lock: a crashed worker's job goes back to the queue after this long. Kept within the delivery
// lease so the job returns about when the row becomes claimable again.
const MAX_LOCK_MS = 30_000;

// A job carries one attempt of one or more deliveries (a publish's whole fan-out, usually); the rules live in
// DeliveryEngine, this adapts it to BullMQ. The deliveries of a job run concurrently, each on its own claim and
// record, within WEBHOOK_DELIVERY_CONCURRENCY attempts in flight for the process.
@Processor('deliveries', { autorun: false })
export class DeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly engine: DeliveryEngine,
    private readonly scheduler: DeliveryScheduler,
    private readonly metrics: WorkerMetrics,
    private readonly database: DatabaseAvailability,
  ) {
    super();
    this.slots = new AttemptSlots(config.WEBHOOK_DELIVERY_CONCURRENCY);
  }

  private readonly slots: AttemptSlots;

  onApplicationBootstrap(): void {
    // Decorator options are fixed at import time, before configuration exists: set them here, then start.
    const lockMs = Math.min(MAX_LOCK_MS, this.config.WEBHOOK_LEASE_SECONDS * 1000);
    this.worker.opts.lockDuration = lockMs;
    this.worker.opts.stalledInterval = lockMs;
    this.worker.concurrency = this.config.WEBHOOK_DELIVERY_CONCURRENCY;
    this.worker
      .run()
      .catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'delivery worker stopped'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Drain here, not in onApplicationShutdown: that is where the DB pool, Redis and HTTP client that running jobs use
    // are closed.
    await this.worker.close();
  }

  async process(job: Job<unknown>, token?: string): Promise<void> {
    const parsed = deliveryJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid delivery job: ${parsed.error.message}`);
    const { tenant_id, delivery_ids, attempt } = parsed.data;
    const settled = await Promise.allSettled(
      delivery_ids.map((delivery_id) => this.slots.run(() => this.engine.attempt({ tenant_id, delivery_id, attempt }))),
    );
    const deferred: { deliveryId: string; delayMs: number }[] = [];
    let failure: unknown = null;
    settled.forEach((result, i) => {
      if (result.status === 'rejected') {
        failure = result.reason;
        return;
      }
      this.metrics.observeAttempt(result.value);
      if (result.value.outcome === 'deferred')
        deferred.push({ deliveryId: delivery_ids[i], delayMs: result.value.retryInMs ?? 0 });
    });
    if (deferred.length === 1 && delivery_ids.length === 1 && token && !failure) {
      // Same job id, so the attempt keeps its place: a new job with that id would be dropped as a duplicate of this
      // one.
      await job.moveToDelayed(Date.now() + deferred[0].delayMs, token);
      throw new DelayedError();
    }
    // Deferred deliveries of a shared job come back as jobs of their own (the row was released to pending, so the
    // reconciler would find them anyway).
    if (deferred.length > 0) {
      await this.scheduler.enqueue(
        deferred.map((d) => ({ tenantId: tenant_id, deliveryId: d.deliveryId, attempt, delayMs: d.delayMs })),
      );
    }
    if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    // The row keeps its lease or pending state; the reconciler queues it again. A database outage is logged once.
    if (!this.database.notice(err)) this.logger.warn({ job_id: job?.id, err: err.message }, 'delivery job failed');
  }
}
