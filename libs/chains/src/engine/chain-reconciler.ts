// Finds step runs that are due but not in flight (lost enqueue, Redis flush, crashed worker) and queues them again.
// Safe to run from several workers at once: job ids are `${step_run}-${attempt}`, so a job still queued is not added
// twice, and a duplicate that slips through claims nothing.
import { Injectable } from '@nestjs/common';
import { SystemContext, TenantContext, TenantSweepResult, sweepTenants } from '@conduit/database';
import { ChainStepScheduler } from '../chain-step-scheduler';

export type ChainReconcileResult = TenantSweepResult;

@Injectable()
export class ChainReconciler {
  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly scheduler: ChainStepScheduler,
  ) {}

  reconcileOnce(): Promise<ChainReconcileResult> {
    return sweepTenants(
      { db: this.db, system: this.system },
      // Names the tenants whose rows match the query below.
      { kind: 'chain_steps' },
      (tenantId, after, limit) =>
        this.db.em.query(
          `SELECT sr.id, sr.run_id, sr.attempt_count FROM execution_chain_step_runs sr
             JOIN execution_chain_runs r ON r.id = sr.run_id AND r.tenant_id = sr.tenant_id
            WHERE sr.tenant_id = $1 AND sr.id > $2
              AND ((sr.status = 'pending' AND coalesce(sr.next_attempt_at, sr.created_at) <= now())
                OR (sr.status = 'running' AND sr.lease_expires_at < now()))
              AND ((sr.kind = 'step' AND r.status IN ('pending', 'running')) OR (sr.kind = 'compensation' AND r.compensation_status = 'running'))
            ORDER BY sr.id LIMIT $3`,
          [tenantId, after, limit],
        ) as Promise<{ id: string; run_id: string; attempt_count: number }[]>,
      (tenantId, rows) =>
        this.scheduler.enqueue(
          rows.map((r) => ({ tenantId, runId: r.run_id, stepRunId: r.id, attempt: r.attempt_count + 1 })),
        ),
    );
  }
}
