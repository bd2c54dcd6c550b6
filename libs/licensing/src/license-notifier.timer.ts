// Runs the licence notifier in every worker process every LICENSE_NOTIFY_INTERVAL_MS (and once at start). Several
// workers may run it at once: what it publishes is claimed in the database first, so each notice goes out once.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { LicenseNotifier } from './license-notifier';

@Injectable()
export class LicenseNotifierTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LicenseNotifier');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly notifier: LicenseNotifier,
    private readonly database: DatabaseAvailability,
    @InjectConfig() private readonly config: ConduitConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.LICENSE_NOTIFY_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.notifier
      .runOnce()
      .then((published) => {
        if (published.length > 0) this.logger.log({ published }, 'published licence notifications');
      })
      .catch((err: unknown) => {
        // A database outage is logged once by DatabaseAvailability; the next tick tries again.
        if (!this.database.notice(err))
          this.logger.warn({ err: (err as Error).message }, 'licence notifications failed');
      })
      .finally(() => (this.running = undefined));
  }
}
