// license.quota_warning (80%) and license.quota_reached (100%) of the enforced quotas (tenants, users, integrations,
// instances): for the installation's limits into the platform tenant's stream, and for each tenant holding an
// allocation about that allocation (its subtree's usage) into that tenant's own stream. Once per crossing: a pass
// claims a license_quota_notices row in the transaction that publishes, and re-arms the rows whose threshold usage has
// fallen back below (or whose bound is gone). Passes are serialized across workers by a transaction-scoped lock.
import { Injectable } from '@nestjs/common';
import { SystemContext } from '@conduit/database';
import { Clock, IdGenerator, TenantId } from '@conduit/platform';
import { PLATFORM_TENANT_CODE, TenantHierarchy } from '@conduit/tenants';
import { EventsService, OPERATIONAL_SOURCE } from '@conduit/webhooks';
import { LicenseStateService } from './license-state.service';
import { LicenseUsage } from './license-usage';
import { QuotaCrossing, noticeKey, quotaCrossings, scopeKey } from './quota-notices';
import { QUOTA_THRESHOLD_EVENTS, QuotaThreshold, percentOf } from './quota-thresholds';
import { QuotaNoticeClaim, QuotaNoticesRepository } from './repositories/quota-notices.repository';
import type { EnforcedQuota } from './quota-counters';

/** The payload of license.quota_warning / license.quota_reached for an enforced quota. */
export interface QuotaNoticePayload {
  quota: EnforcedQuota;
  threshold: QuotaThreshold;
  /** installation: the licence's limit and the installation's usage; tenant: the tenant's allocation and subtree */
  scope: 'installation' | 'tenant';
  tenant_id: TenantId | null;
  tenant_code: string | null;
  limit: number;
  usage: number;
  percent: number;
}

function payloadOf(c: QuotaCrossing): QuotaNoticePayload {
  return {
    quota: c.quota,
    threshold: c.threshold,
    scope: c.scope.kind,
    tenant_id: c.scope.kind === 'tenant' ? c.scope.tenantId : null,
    tenant_code: c.scope.kind === 'tenant' ? c.scope.code : null,
    limit: c.limit,
    usage: c.usage,
    percent: percentOf(c.usage, c.limit),
  };
}

@Injectable()
export class LicenseQuotaNotifier {
  constructor(
    private readonly system: SystemContext,
    private readonly state: LicenseStateService,
    private readonly usage: LicenseUsage,
    private readonly notices: QuotaNoticesRepository,
    private readonly hierarchy: TenantHierarchy,
    private readonly events: EventsService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** One pass: publishes the crossings nobody published yet, re-arms the rest; returns the event names published. */
  async runOnce(): Promise<string[]> {
    // The licence as committed now, not as of this process's last poll.
    await this.state.refresh();
    return this.system.run(
      'licensing.quota_notify',
      async () => {
        await this.notices.lock();
        const platform = await this.hierarchy.find(PLATFORM_TENANT_CODE);
        const snapshot = await this.usage.snapshot();
        // No platform tenant yet: the installation's notices wait for one (neither claimed nor re-armed).
        const crossings = quotaCrossings(snapshot, platform?.id ?? null);
        const crossed = new Set(crossings.map((c) => noticeKey({ ...c, scope: scopeKey(c.scope) })));
        const standing = await this.notices.all();
        await this.notices.rearm(
          standing.filter((n) => !crossed.has(noticeKey(n)) && (platform !== null || n.scope !== 'installation')),
        );

        const claims = crossings.map((c) => ({
          crossing: c,
          claim: {
            scope: scopeKey(c.scope),
            quota: c.quota,
            threshold: c.threshold,
            limit: c.limit,
            usage: c.usage,
            claimId: this.ids.next(),
          } satisfies QuotaNoticeClaim,
        }));
        const claimed = new Set(
          await this.notices.claim(
            claims.map((c) => c.claim),
            this.clock.now(),
          ),
        );
        const published: string[] = [];
        for (const { crossing, claim } of claims) {
          if (!claimed.has(claim.claimId)) continue;
          const eventName = QUOTA_THRESHOLD_EVENTS[crossing.threshold];
          const event = await this.events.publishInTenant(crossing.publishTo, {
            event_name: eventName,
            source: OPERATIONAL_SOURCE,
            payload: payloadOf(crossing),
            idempotency_key: `license:quota:${claim.claimId}`,
          });
          await this.notices.published(claim.claimId, event.id);
          published.push(eventName);
        }
        return published;
      },
      { routine: true },
    );
  }
}
