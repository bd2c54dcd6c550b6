// Finds deliveries that are due but not in flight (lost enqueue, Redis flush, crashed worker) and queues them again.
// Safe to run from several workers at once, and run after run: each row is re-queued as its own job
// `<delivery>-<attempt>` (DeliveryScheduler.requeue), so a job still queued is not added twice, and a duplicate that
// slips through claims nothing.
import { Injectable } from '@nestjs/common';
import { SystemContext, TenantContext, TenantSweepResult, sweepTenants } from '@conduit/database';
import { DeliveryScheduler } from '../delivery-scheduler';
import { DeliveriesRepository } from '../repositories/deliveries.repository';

export type ReconcileResult = TenantSweepResult;

/**
 * A delivery due only this long is most likely still waiting in the queue (a fan-out job runs its deliveries under
 * the process's in-flight limit, a delayed retry has just become due): re-queued, it would be a new job under
 * another id that claims nothing. Older ones have lost their job. Expired leases are taken at once.
 */
export const DUE_GRACE_SECONDS = 30;

@Injectable()
export class DeliveryReconciler {
  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly deliveries: DeliveriesRepository,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  reconcileOnce(graceSeconds = DUE_GRACE_SECONDS): Promise<ReconcileResult> {
    return sweepTenants(
      { db: this.db, system: this.system },
      // Names the tenants whose rows match the query below (same grace, expired leases included).
      { kind: 'deliveries', graceSeconds },
      (tenantId, after, limit) => this.deliveries.due(tenantId, after, limit, graceSeconds),
      (tenantId, rows) =>
        this.scheduler.requeue(rows.map((r) => ({ tenantId, deliveryId: r.id, attempt: r.attempt_count + 1 }))),
    );
  }
}
