// Finds step runs that are due but not in flight (lost enqueue, Redis flush, crashed worker) and queues them again.
// Safe to run from several workers at once: job ids are `${step_run}-${attempt}`, so a job still queued is not added
// twice, and a duplicate that slips through claims nothing.
import { Injectable } from '@nestjs/common';
import { SystemContext, TenantContext, TenantSweepResult, sweepTenants } from '@conduit/database';
import { ChainStepScheduler } from '../chain-step-scheduler';
import { ChainRunsRepository } from '../repositories/chain-runs.repository';

export type ChainReconcileResult = TenantSweepResult;

@Injectable()
export class ChainReconciler {
  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly runs: ChainRunsRepository,
    private readonly scheduler: ChainStepScheduler,
  ) {}

  reconcileOnce(): Promise<ChainReconcileResult> {
    return sweepTenants(
      { db: this.db, system: this.system },
      // Names the tenants whose rows match the query below.
      { kind: 'chain_steps' },
      (tenantId, after, limit) => this.runs.due(tenantId, after, limit),
      (tenantId, rows) =>
        this.scheduler.enqueue(
          rows.map((r) => ({ tenantId, runId: r.run_id, stepRunId: r.id, attempt: r.attempt_count + 1 })),
        ),
    );
  }
}
