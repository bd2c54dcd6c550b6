// Finds step runs that are due but not in flight (lost enqueue, Redis flush, crashed worker) and queues them again.
// Safe to run from several workers at once: job ids are `${step_run}-${attempt}`, so a job still queued is not added
// twice, and a duplicate that slips through claims nothing.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { ChainStepScheduler } from '../chain-step-scheduler';

const BATCH = 1000;
// Per tenant and run, so one tenant's backlog cannot hold the others up for long.
const MAX_BATCHES_PER_TENANT = 20;

export interface ChainReconcileResult {
  tenants: number;
  enqueued: number;
}

@Injectable()
export class ChainReconciler {
  constructor(
    private readonly db: TenantContext,
    private readonly scheduler: ChainStepScheduler,
  ) {}

  async reconcileOnce(): Promise<ChainReconcileResult> {
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
          `SELECT sr.id, sr.run_id, sr.attempt_count FROM execution_chain_step_runs sr
             JOIN execution_chain_runs r ON r.id = sr.run_id AND r.tenant_id = sr.tenant_id
            WHERE sr.tenant_id = $1 AND sr.id > $2
              AND ((sr.status = 'pending' AND coalesce(sr.next_attempt_at, sr.created_at) <= now())
                OR (sr.status = 'running' AND sr.lease_expires_at < now()))
              AND ((sr.kind = 'step' AND r.status IN ('pending', 'running')) OR (sr.kind = 'compensation' AND r.compensation_status = 'running'))
            ORDER BY sr.id LIMIT $3`,
          [tenantId, after, BATCH],
        ),
      )) as { id: string; run_id: string; attempt_count: number }[];
      if (rows.length === 0) break;
      await this.scheduler.enqueue(rows.map((r) => ({ tenantId, runId: r.run_id, stepRunId: r.id, attempt: r.attempt_count + 1 })));
      total += rows.length;
      after = rows[rows.length - 1].id;
      if (rows.length < BATCH) break;
    }
    return total;
  }
}
