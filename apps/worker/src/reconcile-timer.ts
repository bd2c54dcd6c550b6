// Runs a reconciler in every worker process on a timer. A timer, not a repeatable job: reconcilers exist for the
// moments Redis lost its queues, and a repeatable job's schedule would be lost with them.
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability } from '@conduit/database';

export interface Reconciler {
  reconcileOnce(): Promise<{ enqueued: number }>;
}

export abstract class ReconcileTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  // A property, so the timers' own constructors need not pass it along.
  @Inject(DatabaseAvailability) private readonly database!: DatabaseAvailability;

  /** `what` names the work in log lines, e.g. 'deliveries'. */
  protected constructor(
    private readonly reconciler: Reconciler,
    private readonly intervalMs: number,
    private readonly what: string,
    private readonly atStart = true,
  ) {}

  onApplicationBootstrap(): void {
    if (this.atStart) this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
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
        if (enqueued > 0) this.logger.log({ enqueued }, `re-queued ${this.what}`);
      })
      .catch((err: unknown) => {
        // A database outage is logged once, not with each tick that met it; the next tick after it tries again.
        if (!this.database.notice(err)) this.logger.warn({ err: (err as Error).message }, `reconciling ${this.what} failed`);
      })
      .finally(() => (this.running = undefined));
  }
}
