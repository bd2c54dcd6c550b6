// The SQL over tenant_data_keys: each method runs in the caller's transaction, which runInTenant has scoped to the
// tenant it names (RLS hides every other tenant's keys; the explicit tenant_id says the same for readers).
import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { TenantDataKeyEntity } from '../entities/tenant-data-key.entity';

export interface WrappedDataKey {
  id: string;
  master_key_id: string;
  wrapped_key: string;
}

export interface Rewrapping {
  id: string;
  oldWrappedKey: string;
  newWrappedKey: string;
}

@Injectable()
export class DataKeysRepository {
  constructor(private readonly db: TenantContext) {}

  active(tenantId: TenantId): Promise<TenantDataKeyEntity | null> {
    return this.repo().findOneBy({ tenant_id: tenantId, retired_at: IsNull() });
  }

  byId(tenantId: TenantId, keyId: string): Promise<TenantDataKeyEntity | null> {
    return this.repo().findOneBy({ id: keyId, tenant_id: tenantId });
  }

  /**
   * Inserts a tenant's first active key unless it has one already: two first seals may race, and
   * tenant_data_keys_one_active lets one INSERT win while the other is ignored (an error would abort the caller's
   * transaction).
   */
  async insertActiveUnlessPresent(row: TenantDataKeyEntity): Promise<void> {
    await this.repo().createQueryBuilder().insert().values(row).orIgnore().execute();
  }

  async retireActive(tenantId: TenantId, at: Date): Promise<void> {
    await this.repo().update({ tenant_id: tenantId, retired_at: IsNull() }, { retired_at: at });
  }

  /** How many data keys of the tenant each master key id wraps. */
  async countByMasterKey(tenantId: TenantId): Promise<{ master_key_id: string; n: number }[]> {
    return (await this.db.em.query(
      `SELECT master_key_id, count(*)::int AS n FROM tenant_data_keys WHERE tenant_id = $1 GROUP BY master_key_id`,
      [tenantId],
    )) as { master_key_id: string; n: number }[];
  }

  /** The tenant's keys after afterId, in id order, at most limit. */
  async page(tenantId: TenantId, afterId: string, limit: number): Promise<WrappedDataKey[]> {
    return (await this.db.em.query(
      `SELECT id, master_key_id, wrapped_key FROM tenant_data_keys WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [tenantId, afterId, limit],
    )) as WrappedDataKey[];
  }

  /**
   * One statement sets the wrapping and its key id together, so a concurrent reader sees a row either wholly old or
   * wholly new, and both open to the same data key. Matching the old wrapping leaves a row alone that another run
   * changed in the meantime. Returns the ids updated.
   */
  async swapWrapping(tenantId: TenantId, masterKeyId: string, rewrappings: Rewrapping[]): Promise<string[]> {
    // A CTE makes this a SELECT for TypeORM, which returns UPDATE ... RETURNING results in another shape.
    const rows = (await this.db.em.query(
      `WITH updated AS (
         UPDATE tenant_data_keys AS k SET wrapped_key = u.new_wrapped, master_key_id = $2
           FROM unnest($3::uuid[], $4::text[], $5::text[]) AS u(id, old_wrapped, new_wrapped)
          WHERE k.tenant_id = $1 AND k.id = u.id AND k.wrapped_key = u.old_wrapped
         RETURNING k.id
       )
       SELECT id FROM updated`,
      [
        tenantId,
        masterKeyId,
        rewrappings.map((p) => p.id),
        rewrappings.map((p) => p.oldWrappedKey),
        rewrappings.map((p) => p.newWrappedKey),
      ],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  private repo() {
    return this.db.em.getRepository(TenantDataKeyEntity);
  }
}
