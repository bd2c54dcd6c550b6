// The SQL over inbound_sources, in the caller's transaction: the API's reads and writes, the receive path's lookups
// (by id or key before the tenant is known: the core database's source directory, then the owning tenant's database)
// and its rejection counts.
import { Injectable } from '@nestjs/common';
import { CORE_DATABASE, PageRequest, TenantContext, TenantDatabases, newestFirst } from '@conduit/database';
import { IsNull } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import { InboundSourceEntity } from '../entities/inbound-source.entity';
import { SourceDirectoryEntity } from '../entities/source-directory.entity';
import { SourceDirectoryRepository } from './source-directory.repository';

@Injectable()
export class SourcesRepository {
  constructor(
    private readonly db: TenantContext,
    private readonly databases: TenantDatabases,
    private readonly directory: SourceDirectoryRepository,
  ) {}

  async insert(row: InboundSourceEntity): Promise<void> {
    await this.db.insert(InboundSourceEntity, row);
  }

  /** The row as stored (PostgreSQL keeps address ranges in canonical form: 192.0.2.7 is 192.0.2.7/32). */
  stored(tenantId: TenantId, id: string): Promise<InboundSourceEntity> {
    return this.repo().findOneByOrFail({ id, tenant_id: tenantId });
  }

  /** Live (not deleted) sources, newest first. */
  page(tenantId: TenantId, page: PageRequest): Promise<InboundSourceEntity[]> {
    const qb = this.repo()
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId AND s.deleted_at IS NULL', { tenantId });
    return newestFirst(qb, 's', page).getMany();
  }

  /** Every live source of the tenant, as the directory names it (SourceDirectoryRepair). */
  live(tenantId: TenantId): Promise<Pick<InboundSourceEntity, 'id' | 'source_key' | 'created_at'>[]> {
    return this.repo().find({
      select: { id: true, source_key: true, created_at: true },
      where: { tenant_id: tenantId, deleted_at: IsNull() },
    });
  }

  /** The source, deleted or not. */
  find(tenantId: TenantId, id: string): Promise<InboundSourceEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  async update(tenantId: TenantId, id: string, changes: Partial<InboundSourceEntity>): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, changes as never);
  }

  /** A receive naming the source by id, before its tenant is known: the directory says whose it is. */
  async lookupById(sourceId: string): Promise<InboundSourceEntity | null> {
    return this.owned(await this.directory.byId(sourceId));
  }

  /** A receive naming the source by key, before its tenant is known: the directory says whose it is. */
  async lookupByKey(sourceKey: string): Promise<InboundSourceEntity | null> {
    const source = await this.owned(await this.directory.byKey(sourceKey));
    return source?.source_key === sourceKey ? source : null;
  }

  /**
   * The source a directory entry names, in its tenant's database only (docs/dedicated-tenants.md, "Routing of every
   * domain"). No entry: no such source (404 at once, no dedicated database asked). A shared tenant's source came with
   * the entry (joined in the same statement of the core database); a dedicated tenant's is read in its own database,
   * whose absence fails as unavailable (503, the sender retries; nothing cached). An entry whose source is not there
   * (its creation failed after the entry was written) is no source.
   */
  private async owned(entry: SourceDirectoryEntity | null): Promise<InboundSourceEntity | null> {
    if (!entry) return null;
    const tenantId = entry.tenant_id;
    let database = this.databases.databaseOf(tenantId);
    if (typeof database !== 'string') database = await database;
    if (database === CORE_DATABASE) return entry.source ?? null;
    return this.db.runInTenant(tenantId, () =>
      this.repo().findOne({ where: { id: entry.source_id, tenant_id: tenantId } }),
    );
  }

  /** The tenant's oldest active source with this name (the deployment's default-tenant path names a source). */
  oldestActiveNamed(tenantId: TenantId, name: string): Promise<InboundSourceEntity | null> {
    return this.repo()
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId AND s.name = :name AND s.deleted_at IS NULL AND s.is_active', { tenantId, name })
      .orderBy('s.created_at', 'ASC')
      .getOne();
  }

  /** Counts a refused request on its source, with the reason. */
  async recordRejection(tenantId: TenantId, id: string, reason: string): Promise<void> {
    await this.db.em.query(
      `UPDATE inbound_sources SET rejected_count = rejected_count + 1, last_rejected_reason = $2, last_rejected_at = now() WHERE id = $1 AND tenant_id = $3`,
      [id, reason, tenantId],
    );
  }

  private repo() {
    return this.db.em.getRepository(InboundSourceEntity);
  }
}
