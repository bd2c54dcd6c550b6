// Runs the chain step reconciler in every worker process on a timer (see DeliveryReconcileTimer for why not a job).
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ChainReconciler } from '@conduit/chains';
import { ConduitConfig, InjectConfig } from '@conduit/platform';

@Injectable()
export class ChainReconcileTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChainReconcileTimer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly reconciler: ChainReconciler,
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
        if (enqueued > 0) this.logger.log({ enqueued }, 're-queued due chain steps');
      })
      .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'chain step reconciliation failed'))
      .finally(() => (this.running = undefined));
  }
}
