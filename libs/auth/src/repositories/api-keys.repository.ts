// The SQL over api_keys that the API runs, in the caller's control-plane transaction (core database: coreEm), and the
// touch of last_used_at in one round trip of its own. Resolving a presented key is ApiKeyLookup (one round trip on
// every API-key request).
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, TenantRoundTrip, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { ApiKeyEntity } from '../entities/api-key.entity';

const TOUCH_LAST_USED = `UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)`;

@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly db: TenantContext,
    private readonly trip: TenantRoundTrip,
  ) {}

  async insert(key: ApiKeyEntity): Promise<void> {
    await this.repo().insert(key);
  }

  page(tenantId: TenantId, page: PageRequest): Promise<ApiKeyEntity[]> {
    const qb = this.repo().createQueryBuilder('k').where('k.tenant_id = :tenantId', { tenantId });
    return newestFirst(qb, 'k', page).getMany();
  }

  find(tenantId: TenantId, id: string): Promise<ApiKeyEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  /** Revokes (keeps the row so audit trails still resolve the key's name). */
  async revoke(tenantId: TenantId, id: string, at: Date): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, { revoked_at: at });
  }

  /** Revokes every live key the user created in the tenant; how many. */
  async revokeCreatedBy(tenantId: TenantId, userId: string, at: Date): Promise<number> {
    const result = await this.repo()
      .createQueryBuilder()
      .update()
      .set({ revoked_at: at })
      .where('tenant_id = :tenantId AND created_by = :userId AND revoked_at IS NULL', { tenantId, userId })
      .execute();
    return result.affected ?? 0;
  }

  /** Sets last_used_at to now unless it is newer than staleBefore, in one round trip of its own. */
  async touchLastUsed(tenantId: TenantId, id: string, now: Date, staleBefore: Date): Promise<void> {
    await this.trip.query(tenantId, TOUCH_LAST_USED, [now, id, staleBefore], { durable: true, controlPlane: true });
  }

  private repo() {
    return this.db.coreEm.getRepository(ApiKeyEntity);
  }
}
