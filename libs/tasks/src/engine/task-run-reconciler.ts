// Finds task runs that are due but not in flight (lost enqueue, Redis flush, crashed worker) and queues them again.
// Safe to run from several workers at once: job ids are `${run}-${attempt}`, so a job still queued is not added twice,
// and a duplicate that slips through claims nothing.
import { Injectable } from '@nestjs/common';
import { SystemContext, TenantContext, TenantSweepResult, sweepTenants } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { ReconcileTimer, RedisAvailability } from '@conduit/queues';
import { TaskRunsRepository } from '../repositories/task-runs.repository';
import { TaskRunScheduler } from '../task-run-scheduler';

@Injectable()
export class TaskRunReconciler {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly runs: TaskRunsRepository,
    private readonly scheduler: TaskRunScheduler,
  ) {}

  reconcileOnce(): Promise<TenantSweepResult> {
    const graceSeconds = this.config.TASK_RECONCILE_GRACE_SECONDS;
    return sweepTenants(
      { db: this.db, system: this.system },
      { kind: 'task_runs', graceSeconds },
      (tenantId, after, limit) => this.runs.due(tenantId, after, limit, graceSeconds),
      (tenantId, rows) =>
        this.scheduler.enqueue(rows.map((r) => ({ tenantId, runId: r.id, attempt: r.attempt_count + 1 }))),
    );
  }
}

/** Re-queues task runs that are due but have no job. */
@Injectable()
export class TaskRunReconcileTimer extends ReconcileTimer {
  constructor(@InjectConfig() config: ConduitConfig, reconciler: TaskRunReconciler, redis: RedisAvailability) {
    super(reconciler, config.TASK_RECONCILE_INTERVAL_MS, 'due task runs', redis);
  }
}
