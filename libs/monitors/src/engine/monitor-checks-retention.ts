// Deletes monitor checks older than each tenant's retention (settings.retention_days, else RETENTION_DAYS), in
// batches: the worker's retention sweep (the maintenance queue) runs it beside webhooks' RetentionSweeper.
import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemContext, TenantContext, retentionDaysOf } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig } from '@conduit/platform';
import { MonitorChecksRepository } from '../repositories/monitor-checks.repository';

const BATCH = 5000;
// Between batches, so a large sweep does not hog the database.
const PAUSE_MS = 50;

@Injectable()
export class MonitorChecksRetention {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly checks: MonitorChecksRepository,
    private readonly clock: Clock,
  ) {}

  async sweepOnce(now: Date = this.clock.now()): Promise<{ tenants: number; deleted: number }> {
    const tenants = await this.system.run('retention.monitor_checks', (plane) => plane.tenantRetention());
    let deleted = 0;
    for (const tenant of tenants) {
      const days = retentionDaysOf(tenant.settings, this.config.RETENTION_DAYS);
      const cutoff = new Date(now.getTime() - days * 86400_000);
      for (;;) {
        const n = await this.db.runInTenant(tenant.id, () => this.checks.deleteOlderThan(tenant.id, cutoff, BATCH));
        deleted += n;
        if (n < BATCH) break;
        await sleep(PAUSE_MS);
      }
    }
    return { tenants: tenants.length, deleted };
  }
}
