import { Processor } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { QueueProcessor, QueueRunOptions } from '@conduit/queues';
import { DELIVERIES_QUEUE, deliveryJobSchema } from '../delivery-job';
import { DeliveryScheduler } from '../delivery-scheduler';
import { AttemptSlots } from './attempt-slots';
import { DeliveryEngine } from './delivery-engine';
import { DeliveryMetrics } from './delivery-metrics';

// BullMQ's own job lock: a crashed worker's job goes back to the queue after this long. Kept within the delivery
// lease so the job returns about when the row becomes claimable again.
const MAX_LOCK_MS = 30_000;

// A job carries one attempt of one or more deliveries (a publish's whole fan-out, usually); the rules live in
// DeliveryEngine, this adapts it to BullMQ. The deliveries of a job run concurrently, each on its own claim and
// record, within WEBHOOK_DELIVERY_CONCURRENCY attempts in flight for the process.
@Processor(DELIVERIES_QUEUE, { autorun: false })
export class DeliveryProcessor extends QueueProcessor {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly engine: DeliveryEngine,
    private readonly scheduler: DeliveryScheduler,
    private readonly metrics: DeliveryMetrics,
  ) {
    super('delivery');
    this.slots = new AttemptSlots(config.WEBHOOK_DELIVERY_CONCURRENCY);
  }

  private readonly slots: AttemptSlots;

  protected runOptions(): QueueRunOptions {
    return {
      concurrency: this.config.WEBHOOK_DELIVERY_CONCURRENCY,
      lockMs: Math.min(MAX_LOCK_MS, this.config.WEBHOOK_LEASE_SECONDS * 1000),
    };
  }

  async process(job: Job<unknown>, token?: string): Promise<void> {
    const { tenant_id, delivery_ids, attempt } = this.payload(job, deliveryJobSchema);
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
}
