// The SQL over inbound_sources, in the caller's transaction: the API's reads and writes, the receive path's lookups
// (by id or key before the tenant is known, through the narrow read-only lookup policies) and its rejection counts.
import { Injectable } from '@nestjs/common';
import {
  PageRequest,
  TenantContext,
  TenantDatabaseUnavailableError,
  TenantDatabases,
  newestFirst,
} from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { InboundSourceEntity } from '../entities/inbound-source.entity';

@Injectable()
export class SourcesRepository {
  constructor(
    private readonly db: TenantContext,
    private readonly databases: TenantDatabases,
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

  /** The source, deleted or not. */
  find(tenantId: TenantId, id: string): Promise<InboundSourceEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  async update(tenantId: TenantId, id: string, changes: Partial<InboundSourceEntity>): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, changes as never);
  }

  /** A receive naming the source by id, before its tenant is known (the app.source_id lookup policy). */
  lookupById(sourceId: string): Promise<InboundSourceEntity | null> {
    return this.lookup({ 'app.source_id': sourceId }, () => this.repo().findOne({ where: { id: sourceId } }));
  }

  /** A receive naming the source by key, before its tenant is known (the app.source_key lookup policy). */
  lookupByKey(sourceKey: string): Promise<InboundSourceEntity | null> {
    return this.lookup({ 'app.source_key': sourceKey }, () =>
      this.repo().findOne({ where: { source_key: sourceKey } }),
    );
  }

  /**
   * The core database first (every shared tenant's source: the same one statement as before), then, only when it is
   * not there, each dedicated tenant's own database (docs/dedicated-tenants.md), whose source rows are there alone.
   * A dedicated database that is away and might hold it makes the lookup fail as unavailable (503, the sender
   * retries; nothing cached) rather than answer "no such source". The SourceResolver caches either answer.
   */
  private async lookup(
    settings: { 'app.source_id': string } | { 'app.source_key': string },
    find: () => Promise<InboundSourceEntity | null>,
  ): Promise<InboundSourceEntity | null> {
    const inCore = await this.db.withSettings(settings, find);
    if (inCore) return inCore;
    const dedicated = this.databases.dedicatedTenants();
    if (dedicated.length === 0) return null;
    let away: unknown;
    const found = await Promise.all(
      dedicated.map((tenantId) =>
        this.db.withSettings(settings, find, tenantId).catch((err: unknown) => {
          if (!(err instanceof TenantDatabaseUnavailableError)) throw err;
          away = err;
          return null;
        }),
      ),
    );
    const source = found.find((s) => s !== null) ?? null;
    if (!source && away) throw away;
    return source;
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
