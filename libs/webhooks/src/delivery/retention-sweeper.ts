// Deletes webhook events (their deliveries and attempts go with them, ON DELETE CASCADE) older than each tenant's
// retention.
import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemContext, TenantContext, retentionDaysOf } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, TenantId } from '@conduit/platform';
import { EventsRepository } from '../repositories/events.repository';

const BATCH = 1000;
// Between batches, so a large sweep does not hog the database.
const PAUSE_MS = 50;

export interface RetentionResult {
  tenants: number;
  deleted: number;
}

@Injectable()
export class RetentionSweeper {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly events: EventsRepository,
    private readonly clock: Clock,
  ) {}

  async sweepRetentionOnce(now: Date = this.clock.now()): Promise<RetentionResult> {
    const tenants = await this.system.run('retention.sweep', (plane) => plane.tenantRetention());
    let deleted = 0;
    for (const tenant of tenants) {
      const cutoff = new Date(now.getTime() - this.retentionDays(tenant.settings) * 86400_000);
      for (;;) {
        const n = await this.deleteBatch(tenant.id, cutoff);
        deleted += n;
        if (n < BATCH) break;
        await sleep(PAUSE_MS);
      }
    }
    return { tenants: tenants.length, deleted };
  }

  /** settings.retention_days (or the tenant API's data_retention_days), else RETENTION_DAYS. */
  private retentionDays(settings: Record<string, unknown> | null): number {
    return retentionDaysOf(settings, this.config.RETENTION_DAYS);
  }

  private async deleteBatch(tenantId: TenantId, cutoff: Date): Promise<number> {
    // An event whose delivery is still being attempted stays until that ends.
    return this.db.runInTenant(tenantId, () => this.events.deleteOlderThan(tenantId, cutoff, BATCH));
  }
}
