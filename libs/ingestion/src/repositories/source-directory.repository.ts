// The inbound source directory (control plane, in the core database whatever the tenant's isolation): which tenant owns
// the source a receive names, by id or by key, before the tenant is known (docs/dedicated-tenants.md, "Routing of
// every domain"). Written by SourcesService when a source is created (before the source's own row) and deleted (after
// its transaction committed), so a directory row may point at no live source (the lookup then answers none) but a
// live source always has one.
import { Injectable } from '@nestjs/common';
import {
  CORE_DATABASE,
  SOURCE_DIRECTORY_ID_LOOKUP_SETTING,
  SOURCE_DIRECTORY_KEY_LOOKUP_SETTING,
  SOURCE_ID_LOOKUP_SETTING,
  SOURCE_KEY_LOOKUP_SETTING,
  SessionSetting,
  TenantContext,
} from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { InboundSourceEntity } from '../entities/inbound-source.entity';
import { SourceDirectoryEntity } from '../entities/source-directory.entity';

@Injectable()
export class SourceDirectoryRepository {
  constructor(private readonly db: TenantContext) {}

  /**
   * Records a new source: in the core database, in the tenant's transaction for a shared tenant (committed with the
   * source), in a transaction of its own, committed first, for a dedicated tenant's.
   */
  register(tenantId: TenantId, sourceId: string, sourceKey: string, now: Date): Promise<void> {
    return this.db.runInTenantControlPlane(tenantId, () =>
      this.db.coreInsert(SourceDirectoryEntity, {
        source_id: sourceId,
        tenant_id: tenantId,
        source_key: sourceKey,
        created_at: now,
      }),
    );
  }

  /** Forgets a deleted source. */
  async unregister(tenantId: TenantId, sourceId: string): Promise<void> {
    await this.db.runInTenantControlPlane(tenantId, () =>
      this.db.coreEm.getRepository(SourceDirectoryEntity).delete({ source_id: sourceId, tenant_id: tenantId }),
    );
  }

  /**
   * The directory's entry for a source id, with the source row of the core database joined when it is there (a shared
   * tenant's source: the one statement the receive path needs). One statement in the core database, under the narrow
   * lookup policies of both tables.
   */
  byId(sourceId: string): Promise<SourceDirectoryEntity | null> {
    return this.lookup(
      { [SOURCE_DIRECTORY_ID_LOOKUP_SETTING]: sourceId, [SOURCE_ID_LOOKUP_SETTING]: sourceId },
      'd.source_id = :value',
      sourceId,
    );
  }

  /** As byId, by the key of the source's ingest URL. */
  byKey(sourceKey: string): Promise<SourceDirectoryEntity | null> {
    return this.lookup(
      { [SOURCE_DIRECTORY_KEY_LOOKUP_SETTING]: sourceKey, [SOURCE_KEY_LOOKUP_SETTING]: sourceKey },
      'd.source_key = :value',
      sourceKey,
    );
  }

  private lookup(
    settings: Partial<Record<SessionSetting, string>>,
    where: string,
    value: string,
  ): Promise<SourceDirectoryEntity | null> {
    return this.db.withSettings(
      settings,
      () =>
        this.db.coreEm
          .getRepository(SourceDirectoryEntity)
          .createQueryBuilder('d')
          .leftJoinAndMapOne('d.source', InboundSourceEntity, 's', 's.id = d.source_id AND s.tenant_id = d.tenant_id')
          .where(where, { value })
          .getOne(),
      CORE_DATABASE,
    );
  }
}
