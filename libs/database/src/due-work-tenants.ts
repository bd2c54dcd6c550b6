// The reconcilers' one look across tenants: which tenants have due work of a kind, never the rows themselves.
import type { TenantContext } from './tenant-context';

/** Due work as each reconciler defines it; graceSeconds as in its per-tenant query. */
export type DueWork =
  | { kind: 'deliveries'; graceSeconds: number }
  | { kind: 'chain_steps' }
  | { kind: 'inbound_events'; graceSeconds: number };

/**
 * Ids of the live tenants with due work of one kind, in id order. The runtime role is under RLS and cannot see other
 * tenants' rows, so this calls the SECURITY DEFINER functions of migration DueWorkTenants1763950000000, the only
 * reads across tenants outside the control plane. They are allowed because they reveal which tenant ids have due
 * work and nothing else (no row, no column, no count): each reconciler still reads the rows inside runInTenant,
 * under RLS. Call them from here only, so the cross-tenant surface stays in one reviewed place.
 */
export async function tenantsWithDueWork(db: TenantContext, work: DueWork): Promise<string[]> {
  const [sql, params] = dueWorkQuery(work);
  const rows = (await db.transaction(() => db.em.query(sql, params))) as { tenant_id: string }[];
  return rows.map((r) => r.tenant_id);
}

function dueWorkQuery(work: DueWork): [string, unknown[]] {
  switch (work.kind) {
    case 'deliveries':
      return ['SELECT tenant_id FROM conduit_tenants_with_due_deliveries($1::int)', [work.graceSeconds]];
    case 'chain_steps':
      return ['SELECT tenant_id FROM conduit_tenants_with_due_chain_steps()', []];
    case 'inbound_events':
      return ['SELECT tenant_id FROM conduit_tenants_with_unrouted_inbound_events($1::int)', [work.graceSeconds]];
  }
}
