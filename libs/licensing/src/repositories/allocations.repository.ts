// The SQL over license_allocations (a control-plane table, no RLS), always in the core database (TenantContext.coreEm:
// the caller's transaction there, the core pool's for a dedicated tenant's), so an MSSP allocation bounds a dedicated
// child's creations. Callers have decided who may read or write (AllocationsService through AccessService; the checks
// read for any creation).
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import type { AllocationTerms } from '../allocation-rules';
import { LicenseAllocationEntity } from '../entities/license-allocation.entity';

@Injectable()
export class AllocationsRepository {
  constructor(private readonly db: TenantContext) {}

  /** The allocations of live tenants. */
  async all(): Promise<LicenseAllocationEntity[]> {
    return (await this.db.coreEm.query(
      `SELECT a.allocated_to, a.quotas, a.features, a.created_at, a.updated_at
         FROM license_allocations a JOIN tenants t ON t.id = a.allocated_to AND t.deleted_at IS NULL`,
    )) as LicenseAllocationEntity[];
  }

  /** The allocations of these tenants (a lineage), those of deleted tenants left out. */
  async of(tenantIds: readonly TenantId[]): Promise<LicenseAllocationEntity[]> {
    if (tenantIds.length === 0) return [];
    return (await this.db.coreEm.query(
      `SELECT a.allocated_to, a.quotas, a.features, a.created_at, a.updated_at
         FROM license_allocations a JOIN tenants t ON t.id = a.allocated_to AND t.deleted_at IS NULL
        WHERE a.allocated_to = ANY($1::uuid[])`,
      [tenantIds],
    )) as LicenseAllocationEntity[];
  }

  async upsert(tenantId: TenantId, terms: AllocationTerms, now: Date): Promise<void> {
    await this.db.coreEm.query(
      `INSERT INTO license_allocations (allocated_to, quotas, features, created_at, updated_at)
       VALUES ($1, $2::jsonb, $3::text[], $4, $4)
       ON CONFLICT (allocated_to) DO UPDATE SET quotas = excluded.quotas, features = excluded.features,
         updated_at = excluded.updated_at`,
      [tenantId, JSON.stringify(terms.quotas), terms.features, now],
    );
  }

  /** True when there was one. */
  async remove(tenantId: TenantId): Promise<boolean> {
    const rows = (await this.db.coreEm.query(
      `DELETE FROM license_allocations WHERE allocated_to = $1 RETURNING allocated_to`,
      [tenantId],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * Serializes changes to allocations for the rest of the transaction: each is checked against its siblings', and two
   * raising siblings at once could each pass alone.
   */
  async lockChanges(): Promise<void> {
    if (this.db.inCoreDatabase()) {
      await this.db.coreEm.query(`SELECT pg_advisory_xact_lock(hashtextextended('conduit:license-allocations', 0))`);
      return;
    }
    // A dedicated tenant's transaction: the same key as a session lock on a core connection held until it ends (as
    // QuotaLocksRepository does), so its change and a shared tenant's still exclude each other.
    const core = await this.db.heldCoreConnection();
    await core.query(`SELECT pg_advisory_lock(hashtextextended('conduit:license-allocations', 0))`);
  }
}
