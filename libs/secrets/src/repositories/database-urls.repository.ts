// The SQL over tenants.database_url_sealed (docs/dedicated-tenants.md), for master-key rotation: tenants is a
// control-plane table of the core database without row-level security, so each method runs in a core-database
// transaction (SystemContext.run or runInTenantControlPlane) and names the tenant itself.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';

export interface SealedDatabaseUrl {
  tenant_id: TenantId;
  sealed: string;
}

@Injectable()
export class DatabaseUrlsRepository {
  constructor(private readonly db: TenantContext) {}

  /** Every tenant with a sealed database URL, deleted ones included (their databases must stay reachable too). */
  async all(): Promise<SealedDatabaseUrl[]> {
    return (await this.db.em.query(
      `SELECT id AS tenant_id, database_url_sealed AS sealed FROM tenants WHERE database_url_sealed IS NOT NULL
        ORDER BY id`,
    )) as SealedDatabaseUrl[];
  }

  /**
   * Replaces the sealed URL if it is still the one read: a URL changed meanwhile (re-wrapped by a concurrent run, or
   * the tenant given another database) is left alone. Returns whether it was replaced.
   */
  async swap(tenantId: TenantId, oldSealed: string, newSealed: string): Promise<boolean> {
    // A CTE makes this a SELECT for TypeORM, which returns UPDATE ... RETURNING results in another shape.
    const rows = (await this.db.em.query(
      `WITH updated AS (
         UPDATE tenants SET database_url_sealed = $3 WHERE id = $1 AND database_url_sealed = $2 RETURNING id
       )
       SELECT id FROM updated`,
      [tenantId, oldSealed, newSealed],
    )) as { id: string }[];
    return rows.length > 0;
  }
}
