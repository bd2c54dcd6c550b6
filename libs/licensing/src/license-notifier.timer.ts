// Runs the licence notifiers in every worker process every LICENSE_NOTIFY_INTERVAL_MS (and once at start): expiry and
// clock rollback, then the quota thresholds. Several workers may run them at once: what they publish is claimed in the
// database first, so each notice goes out once.
import { Injectable } from '@nestjs/common';
import { DatabaseAvailability, DatabaseTimer } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { LicenseNotifier } from './license-notifier';
import { LicenseQuotaNotifier } from './quota-notifier';

@Injectable()
export class LicenseNotifierTimer extends DatabaseTimer {
  constructor(
    private readonly notifier: LicenseNotifier,
    private readonly quotaNotifier: LicenseQuotaNotifier,
    private readonly availability: DatabaseAvailability,
    @InjectConfig() config: ConduitConfig,
  ) {
    super(config.LICENSE_NOTIFY_INTERVAL_MS, 'licence notifications', true, 'LicenseNotifier');
  }

  protected async runOnce(): Promise<void> {
    await this.run('licence', () => this.notifier.runOnce());
    // One failing does not hold the other back.
    await this.run('quota', () => this.quotaNotifier.runOnce());
  }

  private async run(kind: string, pass: () => Promise<string[]>): Promise<void> {
    try {
      const published = await pass();
      if (published.length > 0) this.logger.log({ published }, `published ${kind} notifications`);
    } catch (err) {
      // A database outage is logged once by DatabaseAvailability; the next tick tries again.
      if (!this.availability.notice(err))
        this.logger.warn({ err: (err as Error).message }, `${kind} notifications failed`);
    }
  }
}
