// Reads of the MSSP tree. tenants is a control-plane table: callers decide visibility through AccessService.
// The walks have no depth limit (a limit made deep trees look shorter than they are, and let a move create a cycle);
// each one tracks the ids it has seen, so even a cycle already in the data cannot make it run forever.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { TenantId, isUuid } from '@conduit/platform';
import { TenantEntity } from './entities/tenant.entity';

@Injectable()
export class TenantHierarchy {
  constructor(private readonly db: TenantContext) {}

  /** A live (not deleted) tenant by id or code; none for a missing reference (never the code "null"). */
  async find(ref: string | null | undefined): Promise<TenantEntity | null> {
    if (typeof ref !== 'string' || ref === '') return null;
    const repo = this.db.em.getRepository(TenantEntity);
    const code = ref.toLowerCase();
    // A lookup by id: what it finds is a tenant's row, whose id is a TenantId.
    const where = isUuid(ref) ? { id: ref as TenantId } : { code };
    const tenant = await repo.findOne({ where });
    return tenant && !tenant.deleted_at ? tenant : null;
  }

  /** Ids from the tenant itself up to its root. */
  async lineage(tenantId: string): Promise<string[]> {
    const rows = (await this.db.em.query(
      `WITH RECURSIVE up(id, parent_id, path) AS (
         SELECT id, parent_id, ARRAY[id] FROM tenants WHERE id = $1
         UNION ALL
         SELECT t.id, t.parent_id, up.path || t.id FROM tenants t JOIN up ON t.id = up.parent_id WHERE NOT t.id = ANY(up.path)
       ) SELECT id FROM up ORDER BY cardinality(path)`,
      [tenantId],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Ids of the tenant and every live tenant below it. */
  async subtree(rootId: string): Promise<string[]> {
    // UNION (not UNION ALL) drops rows already found, which ends the walk on a cycle.
    const rows = (await this.db.em.query(
      `WITH RECURSIVE down(id) AS (
         SELECT id FROM tenants WHERE id = $1 AND deleted_at IS NULL
         UNION
         SELECT t.id FROM tenants t JOIN down ON t.parent_id = down.id WHERE t.deleted_at IS NULL
       ) SELECT id FROM down`,
      [rootId],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async isSelfOrDescendant(ancestorId: string, tenantId: string): Promise<boolean> {
    return (await this.lineage(tenantId)).includes(ancestorId);
  }

  /**
   * Serializes moves of tenants for the rest of the transaction: two concurrent moves (a under b, b under a) could
   * each pass the cycle check alone and make a cycle together.
   */
  async lockForMove(): Promise<void> {
    await this.db.em.query(`SELECT pg_advisory_xact_lock(hashtextextended('conduit:tenant-moves', 0))`);
  }

  async hasLiveChildren(tenantId: string): Promise<boolean> {
    const [row] = (await this.db.em.query(
      'SELECT EXISTS (SELECT 1 FROM tenants WHERE parent_id = $1 AND deleted_at IS NULL) AS has',
      [tenantId],
    )) as { has: boolean }[];
    return Boolean(row?.has);
  }
}
