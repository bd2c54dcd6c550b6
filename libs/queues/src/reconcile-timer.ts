// Runs a reconciler in every worker process on a timer. A timer, not a repeatable job: reconcilers exist for the
// moments Redis lost its queues, and a repeatable job's schedule would be lost with them. While Redis is away the timer
// rests (nothing could be queued); when it is back, the reconciler runs at once with no grace, until one run succeeds:
// what was accepted meanwhile never had a job, and Redis may have come back empty.
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability } from '@conduit/database';
import { QueueUnavailableError } from '@conduit/platform';
import { RedisAvailability } from './redis-availability';

export interface Reconciler {
  /** graceSeconds 0: every due row, however recently it became due (a reconciler without a grace ignores it). */
  reconcileOnce(graceSeconds?: number): Promise<{ enqueued: number }>;
}

export abstract class ReconcileTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopListening: (() => void) | undefined;
  /** Redis came back after an outage and no run has succeeded since. */
  private recovering = false;
  // A property, so the timers' own constructors need not pass it along.
  @Inject(DatabaseAvailability) private readonly database!: DatabaseAvailability;

  /** `what` names the work in log lines, e.g. 'deliveries'. */
  protected constructor(
    private readonly reconciler: Reconciler,
    private readonly intervalMs: number,
    private readonly what: string,
    private readonly redis: RedisAvailability,
    private readonly atStart = true,
  ) {}

  onApplicationBootstrap(): void {
    this.stopListening = this.redis.onRestored(() => {
      this.recovering = true;
      this.tick();
    });
    if (this.atStart) this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopListening?.();
    await this.running;
  }

  private tick(): void {
    if (this.running || this.redis.isDown) return;
    const recovering = this.recovering;
    this.running = this.reconciler
      .reconcileOnce(recovering ? 0 : undefined)
      .then(({ enqueued }) => {
        if (recovering) this.recovering = false;
        if (enqueued > 0) this.logger.log({ enqueued }, `re-queued ${this.what}`);
      })
      .catch((err: unknown) => {
        // Redis away (or not yet back on every connection): said once by RedisAvailability; the next tick tries again.
        if (err instanceof QueueUnavailableError) return;
        // A database outage is logged once, not with each tick that met it; the next tick after it tries again.
        if (!this.database.notice(err))
          this.logger.warn({ err: (err as Error).message }, `reconciling ${this.what} failed`);
      })
      .finally(() => (this.running = undefined));
  }
}
