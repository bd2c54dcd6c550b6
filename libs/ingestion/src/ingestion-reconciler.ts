// Re-queues accepted inbound requests that were never routed (their job was lost with Redis, or never queued).
import { Injectable } from '@nestjs/common';
import { SystemContext, TenantContext } from '@conduit/database';
import { ReceiveService } from './receive.service';
import { InboundEventsRepository } from './repositories/inbound-events.repository';

const BATCH = 500;
/** Younger requests are most likely still queued. */
const GRACE_SECONDS = 30;

@Injectable()
export class IngestionReconciler {
  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly events: InboundEventsRepository,
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
      const ids = await this.db.runInTenant(tenantId, () => this.events.unrouted(tenantId, graceSeconds, BATCH));
      await this.receive.enqueue(tenantId, ids);
      enqueued += ids.length;
    }
    return { tenants: tenants.length, enqueued };
  }
}
