// A periodic pass in every worker process that needs only PostgreSQL (the licence's usage count and notifiers,
// instance health checks): one pass at a time (a tick while one runs is skipped), once at start unless told
// otherwise, and a database outage logged once by DatabaseAvailability rather than with every tick that meets it.
// Unlike the reconcile timers (libs/queues), it keeps going while Redis is away.
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability } from './database-availability';

export abstract class DatabaseTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  // A property, so the timers' own constructors need not pass it along.
  @Inject(DatabaseAvailability) private readonly database!: DatabaseAvailability;

  /** `what` names the pass in log lines, e.g. 'counting usage'. */
  protected constructor(
    private readonly intervalMs: number,
    private readonly what: string,
    private readonly atStart = true,
    loggerName?: string,
  ) {
    this.logger = new Logger(loggerName ?? this.constructor.name);
  }

  /** One pass; errors other than the database being away are logged as warnings. */
  protected abstract runOnce(): Promise<void>;

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
    this.running = this.runOnce()
      .catch((err: unknown) => {
        if (!this.database.notice(err)) this.logger.warn({ err: (err as Error).message }, `${this.what} failed`);
      })
      .finally(() => (this.running = undefined));
  }
}
