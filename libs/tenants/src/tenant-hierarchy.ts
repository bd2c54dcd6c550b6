// Reads of the MSSP tree. tenants is a control-plane table: callers decide visibility through AccessService.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { isUuid } from '@conduit/platform';
import { TenantEntity } from './entities/tenant.entity';

@Injectable()
export class TenantHierarchy {
  constructor(private readonly db: TenantContext) {}

  /** A live (not deleted) tenant by id or code. */
  async find(ref: string): Promise<TenantEntity | null> {
    const repo = this.db.em.getRepository(TenantEntity);
    const where = isUuid(ref) ? { id: ref } : { code: String(ref).toLowerCase() };
    const tenant = await repo.findOne({ where });
    return tenant && !tenant.deleted_at ? tenant : null;
  }

  /** Ids from the tenant itself up to its root. */
  async lineage(tenantId: string): Promise<string[]> {
    const rows = (await this.db.em.query(
      `WITH RECURSIVE up(id, parent_id, depth) AS (
         SELECT id, parent_id, 0 FROM tenants WHERE id = $1
         UNION ALL
         SELECT t.id, t.parent_id, up.depth + 1 FROM tenants t JOIN up ON t.id = up.parent_id WHERE up.depth < 64
       ) SELECT id FROM up ORDER BY depth`,
      [tenantId],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Ids of the tenant and every live tenant below it. */
  async subtree(rootId: string): Promise<string[]> {
    const rows = (await this.db.em.query(
      `WITH RECURSIVE down(id, depth) AS (
         SELECT id, 0 FROM tenants WHERE id = $1 AND deleted_at IS NULL
         UNION ALL
         SELECT t.id, down.depth + 1 FROM tenants t JOIN down ON t.parent_id = down.id
          WHERE t.deleted_at IS NULL AND down.depth < 64
       ) SELECT id FROM down`,
      [rootId],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async isSelfOrDescendant(ancestorId: string, tenantId: string): Promise<boolean> {
    return (await this.lineage(tenantId)).includes(ancestorId);
  }

  async hasLiveChildren(tenantId: string): Promise<boolean> {
    const [row] = (await this.db.em.query(
      'SELECT EXISTS (SELECT 1 FROM tenants WHERE parent_id = $1 AND deleted_at IS NULL) AS has',
      [tenantId],
    )) as { has: boolean }[];
    return Boolean(row?.has);
  }
}
