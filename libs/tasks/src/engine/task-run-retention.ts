// Deletes finished task runs older than each tenant's retention (the same setting as webhook events'), in batches.
import { Injectable } from '@nestjs/common';
import { SystemContext, TenantContext } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig } from '@conduit/platform';
import { TaskRunsRepository } from '../repositories/task-runs.repository';

const BATCH = 1000;

@Injectable()
export class TaskRunRetention {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly runs: TaskRunsRepository,
    private readonly clock: Clock,
  ) {}

  async sweepOnce(now: Date = this.clock.now()): Promise<{ tenants: number; deleted: number }> {
    const tenants = await this.system.run('retention.task_runs', (plane) => plane.tenantRetention());
    let deleted = 0;
    for (const tenant of tenants) {
      const value = Number(tenant.settings?.retention_days ?? tenant.settings?.data_retention_days);
      const days = Number.isInteger(value) && value >= 1 ? value : this.config.RETENTION_DAYS;
      const cutoff = new Date(now.getTime() - days * 86400_000);
      for (;;) {
        const n = await this.db.runInTenant(tenant.id, () => this.runs.deleteOlderThan(tenant.id, cutoff, BATCH));
        deleted += n;
        if (n < BATCH) break;
      }
    }
    return { tenants: tenants.length, deleted };
  }
}
