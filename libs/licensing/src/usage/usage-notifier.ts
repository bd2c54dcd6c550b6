// Publishes license.quota_warning (80%) and license.quota_reached (100%) of the events_per_month quota, once per month
// and threshold across every worker: for the installation's limit into the platform tenant's stream, and for each
// tenant holding an allocation of events_per_month (its subtree's events against it) into that tenant's own stream.
// The notification's row is claimed in the transaction that publishes its event, so a second worker (or run) finds it
// claimed and a crash publishes nothing.
import { Injectable, Logger } from '@nestjs/common';
import { SystemContext, TenantContext, isDatabaseUnavailable } from '@conduit/database';
import { Clock, TenantId } from '@conduit/platform';
import { PLATFORM_TENANT_CODE, TenantHierarchy } from '@conduit/tenants';
import { EventsService, OPERATIONAL_SOURCE } from '@conduit/webhooks';
import { LicenseState } from '../license-state';
import { UsageRepository } from '../repositories/usage.repository';
import { UsageMonth, monthDate } from './usage-month';
import { QUOTA_THRESHOLD_EVENTS, QuotaThreshold, crossedThresholds, percentOf } from '../quota-thresholds';

const QUOTA = 'events_per_month';

/** The payload of license.quota_warning / license.quota_reached for events_per_month: the installation's limit. */
export interface EventsQuotaNotice {
  quota: typeof QUOTA;
  scope: 'installation';
  threshold: QuotaThreshold;
  month: string;
  limit: number;
  usage: number;
  percent: number | null;
}

/** The same about a tenant's allocation: its subtree's events of the month against it, in its own stream. */
export interface AllocationEventsQuotaNotice extends Omit<EventsQuotaNotice, 'scope'> {
  scope: 'tenant';
  tenant_id: TenantId;
  tenant_code: string;
}

@Injectable()
export class UsageNotifier {
  private readonly logger = new Logger(UsageNotifier.name);
  private missingPlatformLogged = false;

  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly usage: UsageRepository,
    private readonly license: LicenseState,
    private readonly events: EventsService,
    private readonly hierarchy: TenantHierarchy,
    private readonly clock: Clock,
  ) {}

  /**
   * Publishes what the installation's usage in these months crossed, and each allocated subtree's, that nobody
   * published yet; answers how many. Each crossed threshold is claimed again at every run (an insert that does nothing
   * once the row exists): the claim alone decides, never an earlier read that another worker may have overtaken.
   */
  async notifyEventsQuota(months: UsageMonth[]): Promise<number> {
    return (await this.notifyInstallation(months)) + (await this.notifyAllocations(months));
  }

  private async notifyInstallation(months: UsageMonth[]): Promise<number> {
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

  /**
   * Each tenant holding an allocation of events_per_month: its subtree's events of the month (published and received,
   * summed over the subtree's tenants as the report shows them) against the allocation in force. One tenant's failure
   * does not hold the others up.
   */
  private async notifyAllocations(months: UsageMonth[]): Promise<number> {
    let published = 0;
    for (const month of months) {
      const date = monthDate(month);
      const subtrees = await this.system.run(
        'licensing.usage_notices',
        async () => {
          const allocations = await this.usage.eventsAllocations(month.start);
          // Each tenant's month under its own RLS scope (license_usage_months is tenant-owned), read once.
          const events = new Map<TenantId, number>();
          for (const id of new Set(allocations.flatMap((a) => a.subtree))) {
            const m = await this.db.runInTenant(id, () => this.usage.tenantMonth(id, date));
            events.set(id, m.events_published + m.events_received);
          }
          return allocations.map((a) => ({
            ...a,
            usage: a.subtree.reduce((sum, id) => sum + (events.get(id) ?? 0), 0),
          }));
        },
        { routine: true },
      );
      for (const a of subtrees) {
        for (const threshold of crossedThresholds(a.usage, a.limit)) {
          const notice: AllocationEventsQuotaNotice = {
            quota: QUOTA,
            scope: 'tenant',
            tenant_id: a.tenantId,
            tenant_code: a.code,
            threshold,
            month: month.name,
            limit: a.limit,
            usage: a.usage,
            percent: percentOf(a.usage, a.limit),
          };
          try {
            if (await this.publishAllocation(notice)) published += 1;
          } catch (err) {
            if (isDatabaseUnavailable(err)) throw err;
            this.logger.warn(
              { tenant_id: a.tenantId, threshold, err: (err as Error).message },
              'notifying events_per_month failed',
            );
          }
        }
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
          event_name: QUOTA_THRESHOLD_EVENTS[notice.threshold],
          source: OPERATIONAL_SOURCE,
          payload: notice,
          idempotency_key: `${QUOTA_THRESHOLD_EVENTS[notice.threshold]}:${notice.quota}:${notice.month}`,
        });
        await this.usage.noticePublished(month, notice.quota, notice.threshold, event.id);
        this.logger.log({ ...notice }, `${QUOTA_THRESHOLD_EVENTS[notice.threshold]} published`);
        return true;
      },
      // Every run while a threshold is crossed: logged at debug level (a publish is logged on its own).
      { routine: true },
    );
  }

  /** The same for a tenant's allocation, into that tenant's own stream. */
  private publishAllocation(notice: AllocationEventsQuotaNotice): Promise<boolean> {
    const month = `${notice.month}-01`;
    const eventName = QUOTA_THRESHOLD_EVENTS[notice.threshold];
    return this.system.run(
      'licensing.quota_notice',
      async () => {
        const claimed = await this.usage.claimAllocationNotice(notice.tenant_id, {
          month,
          quota: notice.quota,
          threshold: notice.threshold,
          limit: notice.limit,
          usage: notice.usage,
          at: this.clock.now(),
        });
        if (!claimed) return false;
        const event = await this.events.publishInTenant(notice.tenant_id, {
          event_name: eventName,
          source: OPERATIONAL_SOURCE,
          payload: notice,
          idempotency_key: `${eventName}:${notice.quota}:${notice.month}:tenant:${notice.tenant_id}`,
        });
        await this.usage.allocationNoticePublished(notice.tenant_id, month, notice.quota, notice.threshold, event.id);
        this.logger.log({ ...notice }, `${eventName} published`);
        return true;
      },
      { routine: true },
    );
  }
}
