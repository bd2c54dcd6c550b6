// Walks the tenants that have due work and, inside each (RLS applies), the rows a query selects in id order, in
// keyset batches. Reconcilers use it: a per-tenant cap keeps one tenant's backlog from holding the others up for long.
import type { TenantId } from '@conduit/platform';
import type { DueWork } from './control-plane.repository';
import type { SystemContext } from './system-context';
import type { TenantContext } from './tenant-context';

export interface TenantSweepOptions {
  batch?: number;
  maxBatchesPerTenant?: number;
}

export interface TenantSweepResult {
  /** tenants swept: those named as having due work (one tenant transaction per batch each) */
  tenants: number;
  enqueued: number;
}

const FIRST_ID = '00000000-0000-0000-0000-000000000000';

export async function sweepTenants<R extends { id: string }>(
  { db, system }: { db: TenantContext; system: SystemContext },
  /** which tenants to visit: those with due work of this kind (the rest are skipped without a transaction) */
  due: DueWork,
  /** rows of tenantId with id > afterId, ordered by id, at most `limit` */
  select: (tenantId: TenantId, afterId: string, limit: number) => Promise<R[]>,
  handle: (tenantId: TenantId, rows: R[]) => Promise<void>,
  { batch = 1000, maxBatchesPerTenant = 20 }: TenantSweepOptions = {},
): Promise<TenantSweepResult> {
  const tenants = await system.run(`reconcile.${due.kind}`, (plane) => plane.tenantsWithDueWork(due), {
    routine: true,
  });
  let enqueued = 0;
  for (const tenantId of tenants) {
    let after = FIRST_ID;
    for (let n = 0; n < maxBatchesPerTenant; n++) {
      const rows = await db.runInTenant(tenantId, () => select(tenantId, after, batch));
      if (rows.length === 0) break;
      await handle(tenantId, rows);
      enqueued += rows.length;
      after = rows[rows.length - 1].id;
      if (rows.length < batch) break;
    }
  }
  return { tenants: tenants.length, enqueued };
}
