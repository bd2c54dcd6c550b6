// Re-queues accepted-but-unrouted inbound requests on a timer (see DeliveryReconcileTimer for why not a job).
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { IngestionReconciler } from '@conduit/ingestion';
import { ConduitConfig, InjectConfig } from '@conduit/platform';

@Injectable()
export class IngestionReconcileTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestionReconcileTimer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly reconciler: IngestionReconciler,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.WEBHOOK_RECONCILE_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.reconciler
      .reconcileOnce()
      .then(({ enqueued }) => {
        if (enqueued > 0) this.logger.log({ enqueued }, 're-queued unrouted inbound requests');
      })
      .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'ingestion reconciliation failed'))
      .finally(() => (this.running = undefined));
  }
}
