// Operational events about the licence, published into the platform tenant's own stream (as webhooks publishes
// endpoint.disabled into a tenant's), so its admins can subscribe and route them to their own tools:
// - license.expiring (30, 7 and 1 days before exp), license.expired, license.grace_ended: once per licence and
//   threshold, whichever worker gets there first (a license_notices row, claimed in the transaction that publishes);
// - license.clock_rollback: once per occurrence (license_installation.clock_rollback_at, set under the row's lock),
//   audited too; its end is audited as license.clock_corrected.
import { Injectable } from '@nestjs/common';
import { AuditLog } from '@conduit/audit';
import { SystemContext } from '@conduit/database';
import { Clock, TenantId } from '@conduit/platform';
import { PLATFORM_TENANT_CODE, TenantHierarchy } from '@conduit/tenants';
import { EventsService, OPERATIONAL_SOURCE } from '@conduit/webhooks';
import { dueNotices, expiringDays, NoticeThreshold } from './license-notices';
import { clockRolledBack, graceEndsAt } from './license-plan';
import { LicenseStateService } from './license-state.service';
import { LicenseClaims } from './license-terms';
import { InstallationRepository } from './repositories/installation.repository';
import { LicenseNoticesRepository } from './repositories/license-notices.repository';

export const LICENSE_EVENT_NAMES = {
  expiring: 'license.expiring',
  expired: 'license.expired',
  grace_ended: 'license.grace_ended',
  clock_rollback: 'license.clock_rollback',
} as const;

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

@Injectable()
export class LicenseNotifier {
  constructor(
    private readonly system: SystemContext,
    private readonly state: LicenseStateService,
    private readonly installations: InstallationRepository,
    private readonly notices: LicenseNoticesRepository,
    private readonly hierarchy: TenantHierarchy,
    private readonly events: EventsService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** One pass: publishes what has become due and nobody published yet; returns the event names it published. */
  async runOnce(): Promise<string[]> {
    // The licence as committed now, not as of this process's last poll.
    await this.state.refresh();
    const claims = this.state.activeLicense()?.claims ?? null;
    const now = this.clock.now();
    return this.system.run('licensing.notify', async () => {
      const platform = await this.hierarchy.find(PLATFORM_TENANT_CODE);
      // No platform tenant yet (nobody has started the API for the first time): nowhere to publish; nothing claimed.
      if (!platform) return [];
      const { rolledBack, published } = await this.clockRollback(platform.id, claims, now);
      // A clock that went back says nothing about expiry: the thresholds wait for a clock that is right.
      if (claims && !rolledBack) published.push(...(await this.expiry(platform.id, claims, now)));
      return published;
    });
  }

  /** Starts (publishing once) or ends (auditing) the installation's clock rollback, under the installation's lock. */
  private async clockRollback(
    platformId: TenantId,
    claims: LicenseClaims | null,
    now: Date,
  ): Promise<{ rolledBack: boolean; published: string[] }> {
    const row = await this.installations.lock();
    if (!row) return { rolledBack: false, published: [] };
    const rolledBack = clockRolledBack(now, row.latest_seen_at);
    // Nothing new: no rollback, or one already recorded (and published) by this or another worker.
    if (rolledBack === (row.clock_rollback_at !== null)) return { rolledBack, published: [] };
    const details = {
      clock_now: now.toISOString(),
      latest_seen_at: row.latest_seen_at.toISOString(),
      behind_seconds: Math.round((row.latest_seen_at.getTime() - now.getTime()) / 1000),
      license_id: claims?.jti ?? null,
    };
    const actor = { type: 'system' as const, label: 'worker' };
    if (!rolledBack) {
      await this.installations.setClockRollback(null);
      await this.audit.record({
        tenantId: platformId,
        action: 'license.clock_corrected',
        outcome: 'success',
        actor,
        target: { type: 'License', id: claims?.jti ?? null },
        metadata: { ...details, rollback_since: row.clock_rollback_at?.toISOString() ?? null },
      });
      return { rolledBack, published: [] };
    }
    await this.installations.setClockRollback(now);
    await this.audit.record({
      tenantId: platformId,
      action: LICENSE_EVENT_NAMES.clock_rollback,
      outcome: 'success',
      actor,
      target: { type: 'License', id: claims?.jti ?? null },
      metadata: details,
    });
    await this.events.publishInTenant(platformId, {
      event_name: LICENSE_EVENT_NAMES.clock_rollback,
      source: OPERATIONAL_SOURCE,
      payload: { ...details, plan: 'community' },
    });
    return { rolledBack, published: [LICENSE_EVENT_NAMES.clock_rollback] };
  }

  /** The expiry notices of the active licence that are due and unclaimed: claimed, and the latest published. */
  private async expiry(platformId: TenantId, claims: LicenseClaims, now: Date): Promise<string[]> {
    const due = dueNotices(claims, now);
    const claimed = new Set(
      await this.notices.claim(
        claims.jti,
        due.map((n) => n.threshold),
        now,
      ),
    );
    const published: string[] = [];
    for (const notice of due) {
      if (!notice.publish || !claimed.has(notice.threshold)) continue;
      const event = this.eventOf(notice.threshold, claims);
      const answer = await this.events.publishInTenant(platformId, {
        ...event,
        source: OPERATIONAL_SOURCE,
        idempotency_key: `license:${claims.jti}:${notice.threshold}`,
      });
      await this.notices.published(claims.jti, notice.threshold, answer.id);
      published.push(event.event_name);
    }
    return published;
  }

  private eventOf(threshold: NoticeThreshold, claims: LicenseClaims): { event_name: string; payload: unknown } {
    const licence = {
      license_id: claims.jti,
      licensee: claims.sub,
      expires_at: iso(claims.exp),
      grace_days: claims.grace_days,
      grace_ends_at: graceEndsAt(claims).toISOString(),
    };
    switch (threshold) {
      case 'expiring_30':
      case 'expiring_7':
      case 'expiring_1':
        return {
          event_name: LICENSE_EVENT_NAMES.expiring,
          payload: { ...licence, days_left: expiringDays(threshold), plan_after_grace: 'community' },
        };
      case 'expired':
        return { event_name: LICENSE_EVENT_NAMES.expired, payload: { ...licence, in_grace: claims.grace_days > 0 } };
      case 'grace_ended':
        return { event_name: LICENSE_EVENT_NAMES.grace_ended, payload: { ...licence, plan: 'community' } };
    }
  }
}
