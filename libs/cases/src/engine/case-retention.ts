// Deletes case events and closed cases older than each tenant's retention (settings.retention_days, else
// RETENTION_DAYS), in batches: the worker's retention sweep (the maintenance queue) runs it beside the others.
// Events age by when they were stored; closed cases by when they were closed (their events go with them).
import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemContext, TenantContext, retentionDaysOf } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, TenantId } from '@conduit/platform';
import { CaseEventsRepository } from '../repositories/case-events.repository';
import { CasesRepository } from '../repositories/cases.repository';

const BATCH = 5000;
// Between batches, so a large sweep does not hog the database.
const PAUSE_MS = 50;

@Injectable()
export class CaseRetention {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly cases: CasesRepository,
    private readonly caseEvents: CaseEventsRepository,
    private readonly clock: Clock,
  ) {}

  async sweepOnce(
    now: Date = this.clock.now(),
  ): Promise<{ tenants: number; deleted_events: number; deleted_cases: number }> {
    const tenants = await this.system.run('retention.cases', (plane) => plane.tenantRetention());
    let events = 0;
    let cases = 0;
    for (const tenant of tenants) {
      const days = retentionDaysOf(tenant.settings, this.config.RETENTION_DAYS);
      const cutoff = new Date(now.getTime() - days * 86400_000);
      cases += await this.batches(tenant.id, (id) => this.cases.deleteClosedBefore(id, cutoff, BATCH));
      events += await this.batches(tenant.id, (id) => this.caseEvents.deleteOlderThan(id, cutoff, BATCH));
    }
    return { tenants: tenants.length, deleted_events: events, deleted_cases: cases };
  }

  private async batches(tenantId: TenantId, deleteBatch: (id: TenantId) => Promise<number>): Promise<number> {
    let deleted = 0;
    for (;;) {
      const n = await this.db.runInTenant(tenantId, () => deleteBatch(tenantId));
      deleted += n;
      if (n < BATCH) return deleted;
      await sleep(PAUSE_MS);
    }
  }
}
