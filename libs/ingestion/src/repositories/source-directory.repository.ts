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
   * Brings the tenant's entries in line with its live sources (SourceDirectoryRepair): an entry for each that has
   * none, and away those naming no live source that were written before staleBefore (younger ones may be of a
   * creation whose source is not committed yet). An entry is never taken from another source: a key or id already in
   * the directory stays as it is.
   */
  reconcile(
    tenantId: TenantId,
    live: Pick<InboundSourceEntity, 'id' | 'source_key' | 'created_at'>[],
    staleBefore: Date,
  ): Promise<{ added: number; removed: number }> {
    return this.db.runInTenantControlPlane(tenantId, async () => {
      const ids = live.map((s) => s.id);
      const [added] = (await this.db.coreEm.query(
        `WITH added AS (
           INSERT INTO inbound_source_directory (source_id, tenant_id, source_key, created_at)
           SELECT s.id, $1, s.source_key, s.created_at
             FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS s(id, source_key, created_at)
           ON CONFLICT DO NOTHING RETURNING 1)
         SELECT count(*)::int AS n FROM added`,
        [tenantId, ids, live.map((s) => s.source_key), live.map((s) => s.created_at)],
      )) as { n: number }[];
      const [removed] = (await this.db.coreEm.query(
        `WITH removed AS (
           DELETE FROM inbound_source_directory
            WHERE tenant_id = $1 AND created_at < $2 AND source_id <> ALL($3::uuid[]) RETURNING 1)
         SELECT count(*)::int AS n FROM removed`,
        [tenantId, staleBefore, ids],
      )) as { n: number }[];
      return { added: added.n, removed: removed.n };
    });
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
