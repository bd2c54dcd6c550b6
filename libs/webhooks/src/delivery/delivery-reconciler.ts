// Finds deliveries that are due but not in flight (lost enqueue, Redis flush, crashed worker) and queues them again.
// Safe to run from several workers at once: job ids are `${delivery}-${attempt}`, so a job still queued is not
// added twice, and a duplicate that slips through claims nothing.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { DeliveryScheduler } from '../delivery-scheduler';

const BATCH = 1000;
// Per tenant and run, so one tenant's backlog cannot hold the others up for long.
const MAX_BATCHES_PER_TENANT = 20;

export interface ReconcileResult {
  tenants: number;
  enqueued: number;
}

@Injectable()
export class DeliveryReconciler {
  constructor(
    private readonly db: TenantContext,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async reconcileOnce(): Promise<ReconcileResult> {
    // tenants is a control-plane table: readable without a tenant set.
    const tenants = (await this.db.transaction(() => this.db.em.query(`SELECT id FROM tenants WHERE deleted_at IS NULL ORDER BY id`))) as { id: string }[];
    let enqueued = 0;
    for (const { id: tenantId } of tenants) enqueued += await this.reconcileTenant(tenantId);
    return { tenants: tenants.length, enqueued };
  }

  private async reconcileTenant(tenantId: string): Promise<number> {
    let after = '00000000-0000-0000-0000-000000000000';
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_TENANT; batch++) {
      const rows = (await this.db.runInTenant(tenantId, () =>
        this.db.em.query(
          `SELECT id, attempt_count FROM webhook_deliveries
            WHERE tenant_id = $1 AND id > $2
              AND ((status = 'pending' AND coalesce(next_attempt_at, created_at) <= now())
                OR (status = 'delivering' AND lease_expires_at < now()))
            ORDER BY id LIMIT $3`,
          [tenantId, after, BATCH],
        ),
      )) as { id: string; attempt_count: number }[];
      if (rows.length === 0) break;
      await this.scheduler.enqueue(rows.map((r) => ({ tenantId, deliveryId: r.id, attempt: r.attempt_count + 1 })));
      total += rows.length;
      after = rows[rows.length - 1].id;
      if (rows.length < BATCH) break;
    }
    return total;
  }
}
