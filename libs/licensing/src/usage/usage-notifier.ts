// Publishes license.quota_warning (80%) and license.quota_reached (100%) of the events_per_month quota into the
// platform tenant's stream, once per month and threshold across every worker: the notification's row is claimed in
// the transaction that publishes its event, so a second worker (or run) finds it claimed and a crash publishes nothing.
import { Injectable, Logger } from '@nestjs/common';
import { SystemContext } from '@conduit/database';
import { Clock } from '@conduit/platform';
import { PLATFORM_TENANT_CODE, TenantHierarchy } from '@conduit/tenants';
import { EventsService, OPERATIONAL_SOURCE } from '@conduit/webhooks';
import { LicenseState } from '../license-state';
import { UsageRepository } from '../repositories/usage.repository';
import { UsageMonth, monthDate } from './usage-month';
import { THRESHOLD_EVENTS, UsageThreshold, crossedThresholds, percentOf } from './usage-thresholds';

const QUOTA = 'events_per_month';

/** The payload of license.quota_warning / license.quota_reached for events_per_month. */
export interface EventsQuotaNotice {
  quota: typeof QUOTA;
  scope: 'installation';
  threshold: UsageThreshold;
  month: string;
  limit: number;
  usage: number;
  percent: number | null;
}

@Injectable()
export class UsageNotifier {
  private readonly logger = new Logger(UsageNotifier.name);
  private missingPlatformLogged = false;

  constructor(
    private readonly system: SystemContext,
    private readonly usage: UsageRepository,
    private readonly license: LicenseState,
    private readonly events: EventsService,
    private readonly hierarchy: TenantHierarchy,
    private readonly clock: Clock,
  ) {}

  /**
   * Publishes what the installation's usage in these months crossed and nobody published yet; answers how many. Each
   * crossed threshold is claimed again at every run (an insert that does nothing once the row exists): the claim alone
   * decides, never an earlier read that another worker may have overtaken.
   */
  async notifyEventsQuota(months: UsageMonth[]): Promise<number> {
    const limit = this.license.current().quotas.events_per_month;
    if (limit === null) return 0;
    let published = 0;
    for (const month of months) {
      const date = monthDate(month);
      const usage = await this.system.run('licensing.usage_notices', () => this.usage.installationEvents(date), {
        routine: true,
      });
      for (const threshold of crossedThresholds(usage, limit)) {
        const notice: EventsQuotaNotice = {
          quota: QUOTA,
          scope: 'installation',
          threshold,
          month: month.name,
          limit,
          usage,
          percent: percentOf(usage, limit),
        };
        if (await this.publish(notice)) published += 1;
      }
    }
    return published;
  }

  /** Claims the notification and publishes its event in one transaction; false when it was claimed already. */
  private publish(notice: EventsQuotaNotice): Promise<boolean> {
    const month = `${notice.month}-01`;
    return this.system.run(
      'licensing.quota_notice',
      async () => {
        const platform = await this.hierarchy.find(PLATFORM_TENANT_CODE);
        if (!platform) {
          // Nothing claimed: published once a platform tenant exists (first start creates it).
          if (!this.missingPlatformLogged)
            this.logger.warn({ quota: notice.quota, threshold: notice.threshold }, 'no platform tenant to notify');
          this.missingPlatformLogged = true;
          return false;
        }
        const claimed = await this.usage.claimNotice({
          month,
          quota: notice.quota,
          threshold: notice.threshold,
          limit: notice.limit,
          usage: notice.usage,
          at: this.clock.now(),
        });
        if (!claimed) return false;
        const event = await this.events.publishInTenant(platform.id, {
          event_name: THRESHOLD_EVENTS[notice.threshold],
          source: OPERATIONAL_SOURCE,
          payload: notice,
          idempotency_key: `${THRESHOLD_EVENTS[notice.threshold]}:${notice.quota}:${notice.month}`,
        });
        await this.usage.noticePublished(month, notice.quota, notice.threshold, event.id);
        this.logger.log({ ...notice }, `${THRESHOLD_EVENTS[notice.threshold]} published`);
        return true;
      },
      // Every run while a threshold is crossed: logged at debug level (a publish is logged on its own).
      { routine: true },
    );
  }
}
