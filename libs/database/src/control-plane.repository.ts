// The control plane's reads across tenants that shared libs and sweeps need: which tenants exist, and which have due
// work. Reached only through SystemContext.run(), which logs every use; nothing here returns a tenant's rows.
import { TenantId, asTenantId } from '@conduit/platform';
import type { TenantContext } from './tenant-context';
import { DEDICATED_CONCURRENCY, TenantDatabases, mapConcurrently } from './tenant-databases';

/** Due work as each reconciler defines it; graceSeconds as in its per-tenant query. */
export type DueWork =
  | { kind: 'deliveries'; graceSeconds: number }
  | { kind: 'chain_steps' }
  | { kind: 'inbound_events'; graceSeconds: number }
  | { kind: 'task_runs'; graceSeconds: number }
  | { kind: 'health_checks' }
  | { kind: 'monitors' }
  | { kind: 'case_ingestion' };

export interface TenantRetention {
  id: TenantId;
  settings: Record<string, unknown> | null;
}

/** A tenant's retention in days: settings.retention_days (or the tenant API's data_retention_days), else `fallback`. */
export function retentionDaysOf(settings: Record<string, unknown> | null, fallback: number): number {
  const value = Number(settings?.retention_days ?? settings?.data_retention_days);
  return Number.isInteger(value) && value >= 1 ? value : fallback;
}

/** Handed to SystemContext.run()'s callback, inside its transaction (no tenant set). */
export class ControlPlane {
  constructor(
    private readonly db: TenantContext,
    /** absent in unit tests of SystemContext: every tenant is then in the core database */
    private readonly databases?: TenantDatabases,
  ) {}

  /** Every tenant's id in id order; deleted ones too when asked (their data keys and rows still exist). */
  async tenantIds({ includeDeleted }: { includeDeleted: boolean }): Promise<TenantId[]> {
    const rows = (await this.db.em.query(
      includeDeleted
        ? `SELECT id FROM tenants ORDER BY id`
        : `SELECT id FROM tenants WHERE deleted_at IS NULL ORDER BY id`,
    )) as { id: string }[];
    return rows.map((r) => asTenantId(r.id));
  }

  /** Every tenant (deleted ones included) with the settings that may hold its retention, in id order. */
  async tenantRetention(): Promise<TenantRetention[]> {
    const rows = (await this.db.em.query(`SELECT id, settings FROM tenants ORDER BY id`)) as {
      id: string;
      settings: Record<string, unknown> | null;
    }[];
    // Each tenant's rows are deleted in runInTenant, which routes to its database; one whose reconnection backs off is
    // left for the next sweep, so its outage does not end the sweep of the tenants after it.
    return rows
      .map((r) => ({ id: asTenantId(r.id), settings: r.settings }))
      .filter((t) => !this.databases || this.databases.backoffRemainingMs(t.id) === 0);
  }

  /**
   * Ids of the live tenants with due work of one kind, in id order. The runtime role is under RLS and cannot see other
   * tenants' rows, so this calls the SECURITY DEFINER functions of migration DueWorkTenants1763950000000, the only
   * reads across tenants outside the control plane. They are allowed because they reveal which tenant ids have due
   * work and nothing else (no row, no column, no count): each reconciler still reads the rows inside runInTenant,
   * under RLS. Call them from here only, so the cross-tenant surface stays in one reviewed place.
   */
  async tenantsWithDueWork(work: DueWork): Promise<TenantId[]> {
    const [sql, params] = dueWorkQuery(work);
    const rows = (await this.db.em.query(sql, params)) as { tenant_id: string }[];
    const due = rows.map((r) => asTenantId(r.tenant_id));
    const dedicated = this.databases?.dedicatedTenants() ?? [];
    if (dedicated.length === 0) return due;
    // Each dedicated tenant's database has the same functions (same migrations): asked there, one statement each, and
    // only for that tenant, DEDICATED_CONCURRENCY databases at once (docs/dedicated-tenants.md). A database that is
    // away, or whose reconnection backs off (not even tried), is skipped this time: its work waits.
    const databases = this.databases!;
    const found = await mapConcurrently(dedicated, DEDICATED_CONCURRENCY, (tenantId) =>
      databases.hasDueWork(tenantId, sql, params),
    );
    dedicated.forEach((tenantId, i) => {
      if (found[i]) due.push(tenantId);
    });
    return [...new Set(due)].sort();
  }
}

function dueWorkQuery(work: DueWork): [string, unknown[]] {
  switch (work.kind) {
    case 'deliveries':
      return ['SELECT tenant_id FROM conduit_tenants_with_due_deliveries($1::int)', [work.graceSeconds]];
    case 'chain_steps':
      return ['SELECT tenant_id FROM conduit_tenants_with_due_chain_steps()', []];
    case 'inbound_events':
      return ['SELECT tenant_id FROM conduit_tenants_with_unrouted_inbound_events($1::int)', [work.graceSeconds]];
    case 'health_checks':
      return ['SELECT tenant_id FROM conduit_tenants_with_due_health_checks()', []];
    case 'task_runs':
      return ['SELECT tenant_id FROM conduit_tenants_with_due_task_runs($1::int)', [work.graceSeconds]];
    case 'monitors':
      // Monitors1764400000000 (libs/monitors): enabled monitors whose next_check_at has come.
      return ['SELECT tenant_id FROM conduit_tenants_with_due_monitors()', []];
    case 'case_ingestion':
      // InstanceIngestion1764510000000 (libs/cases): enabled instance ingestion due and not leased.
      return ['SELECT tenant_id FROM conduit_tenants_with_due_case_ingestion()', []];
  }
}
