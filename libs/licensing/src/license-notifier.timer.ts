// Runs the licence notifiers in every worker process every LICENSE_NOTIFY_INTERVAL_MS (and once at start): expiry and
// clock rollback, then the quota thresholds. Several workers may run them at once: what they publish is claimed in the
// database first, so each notice goes out once.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { LicenseNotifier } from './license-notifier';
import { LicenseQuotaNotifier } from './quota-notifier';

@Injectable()
export class LicenseNotifierTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LicenseNotifier');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly notifier: LicenseNotifier,
    private readonly quotaNotifier: LicenseQuotaNotifier,
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
    this.running = this.run('licence', () => this.notifier.runOnce())
      // One failing does not hold the other back.
      .then(() => this.run('quota', () => this.quotaNotifier.runOnce()))
      .finally(() => (this.running = undefined));
  }

  private async run(kind: string, pass: () => Promise<string[]>): Promise<void> {
    try {
      const published = await pass();
      if (published.length > 0) this.logger.log({ published }, `published ${kind} notifications`);
    } catch (err) {
      // A database outage is logged once by DatabaseAvailability; the next tick tries again.
      if (!this.database.notice(err)) this.logger.warn({ err: (err as Error).message }, `${kind} notifications failed`);
    }
  }
}
