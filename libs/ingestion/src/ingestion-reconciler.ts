// Re-queues accepted inbound requests that were never routed (their job was lost with Redis, or never queued).
import { Injectable } from '@nestjs/common';
import { SystemContext, TenantContext } from '@conduit/database';
import { ReceiveService } from './receive.service';

const BATCH = 500;
/** Younger requests are most likely still queued. */
const GRACE_SECONDS = 30;

@Injectable()
export class IngestionReconciler {
  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly receive: ReceiveService,
  ) {}

  async reconcileOnce(graceSeconds = GRACE_SECONDS): Promise<{ tenants: number; enqueued: number }> {
    // Only the tenants whose rows match the query below: one tenant transaction each, none for the others.
    const tenants = await this.system.run(
      'reconcile.inbound_events',
      (plane) => plane.tenantsWithDueWork({ kind: 'inbound_events', graceSeconds }),
      { routine: true },
    );
    let enqueued = 0;
    for (const tenantId of tenants) {
      const rows = (await this.db.runInTenant(tenantId, () =>
        this.db.em.query(
          `SELECT id FROM inbound_events WHERE tenant_id = $1 AND status = 'accepted' AND received_at < now() - make_interval(secs => $2)
            ORDER BY received_at LIMIT ${BATCH}`,
          [tenantId, graceSeconds],
        ),
      )) as { id: string }[];
      await this.receive.enqueue(
        tenantId,
        rows.map((row) => row.id),
      );
      enqueued += rows.length;
    }
    return { tenants: tenants.length, enqueued };
  }
}
