// The SQL over scim_tokens (and the one read of sso_connections the tokens need), in the caller's control-plane
// transaction (core database: coreEm).
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { SsoConnectionEntity } from '@conduit/sso';
import { ScimTokenEntity } from '../entities/scim-token.entity';

@Injectable()
export class ScimTokensRepository {
  constructor(private readonly db: TenantContext) {}

  private repo() {
    return this.db.coreEm.getRepository(ScimTokenEntity);
  }

  async insert(token: ScimTokenEntity): Promise<void> {
    await this.db.coreInsert(ScimTokenEntity, token);
  }

  find(tenantId: TenantId, id: string): Promise<ScimTokenEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  page(tenantId: TenantId, page: PageRequest): Promise<ScimTokenEntity[]> {
    const qb = this.repo().createQueryBuilder('t').where('t.tenant_id = :tenantId', { tenantId });
    return newestFirst(qb, 't', page).getMany();
  }

  async revoke(tenantId: TenantId, id: string, at: Date): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, { revoked_at: at });
  }

  /** Records a use, at most once a minute per token. */
  async touch(tenantId: TenantId, id: string, at: Date, staleBefore: Date): Promise<void> {
    await this.repo()
      .createQueryBuilder()
      .update()
      .set({ last_used_at: at })
      .where('tenant_id = :tenantId AND id = :id AND (last_used_at IS NULL OR last_used_at < :staleBefore)', {
        tenantId,
        id,
        staleBefore,
      })
      .execute();
  }

  connection(tenantId: TenantId, id: string): Promise<SsoConnectionEntity | null> {
    return this.db.coreEm.getRepository(SsoConnectionEntity).findOne({ where: { id, tenant_id: tenantId } });
  }
}
