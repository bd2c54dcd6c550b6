// Runs the delivery reconciler in every worker process on a timer. A timer, not a repeatable job: the reconciler
// exists for the moments Redis lost its queues, and a repeatable job's schedule would be lost with them.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { DeliveryReconciler } from '@conduit/webhooks';

@Injectable()
export class DeliveryReconcileTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryReconcileTimer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly reconciler: DeliveryReconciler,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
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
        if (enqueued > 0) this.logger.log({ enqueued }, 're-queued due deliveries');
      })
      .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'delivery reconciliation failed'))
      .finally(() => (this.running = undefined));
  }
}
