// Runs the monthly usage count in every worker every LICENSE_USAGE_INTERVAL_MS (and once at start). Runs overlap
// harmlessly: each tenant is counted under a lock, each notification claimed once. Needs no Redis, unlike the
// reconcile timers: counting goes on while Redis is away.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { UsageCounter } from './usage-counter';

@Injectable()
export class UsageCountTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UsageCountTimer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly counter: UsageCounter,
    private readonly database: DatabaseAvailability,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.LICENSE_USAGE_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.counter
      .countOnce()
      .then(({ events, notified }) => {
        if (events > 0 || notified > 0) this.logger.debug({ events, notified }, 'usage counted');
      })
      .catch((err: unknown) => {
        // A database outage is logged once, not with each tick that met it; the next tick counts what it missed.
        if (!this.database.notice(err)) this.logger.warn({ err: (err as Error).message }, 'counting usage failed');
      })
      .finally(() => (this.running = undefined));
  }
}
