// The SQL over integrations, in the caller's transaction. Reads that may return another tenant's shared rows name
// those tenants in app.catalogue_owners (the integrations_lookup policy, SELECT only) for that statement alone.
import { Injectable } from '@nestjs/common';
import { Brackets, SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CATALOGUE_OWNERS_SETTING, PageRequest, TenantContext, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { IntegrationEntity, IntegrationStatus } from '../entities/integration.entity';
import type { FieldDefinition } from '../fields';

const UNIQUE_VIOLATION = '23505';
const TITLE_KEY = 'integrations_tenant_title_key';

export interface IntegrationFilters {
  status?: IntegrationStatus;
  category?: string;
  /** Part of the title, case-insensitive. */
  q?: string;
}

/** Who reads: the acting tenant, and the tenants above it whose shared integrations it sees. */
export interface CatalogueReader {
  tenantId: TenantId;
  owners: TenantId[];
}

export interface StoredLogo {
  content_type: string;
  body: Buffer;
  sha256: string;
}

@Injectable()
export class IntegrationsRepository {
  constructor(private readonly db: TenantContext) {}

  /** False when the tenant has a live integration of that title already. */
  async insert(row: IntegrationEntity): Promise<boolean> {
    try {
      await this.db.insert(IntegrationEntity, row);
      return true;
    } catch (err) {
      if (isTitleConflict(err)) return false;
      throw err;
    }
  }

  /** False when the new title is taken by another live integration of the tenant. */
  async update(tenantId: TenantId, id: string, changes: Partial<IntegrationEntity>): Promise<boolean> {
    try {
      // jsonb columns are written as given: TypeORM's deep-partial type cannot follow their unknown values.
      await this.repo().update({ id, tenant_id: tenantId }, changes as QueryDeepPartialEntity<IntegrationEntity>);
      return true;
    } catch (err) {
      if (isTitleConflict(err)) return false;
      throw err;
    }
  }

  titleTaken(tenantId: TenantId, title: string, exceptId?: string): Promise<boolean> {
    const qb = this.repo()
      .createQueryBuilder('i')
      .where('i.tenant_id = :tenantId AND i.deleted_at IS NULL AND lower(i.title) = lower(:title)', {
        tenantId,
        title,
      });
    if (exceptId) qb.andWhere('i.id <> :exceptId', { exceptId });
    return qb.getExists();
  }

  /** The tenant's own live integration with this title (titles are unique per tenant, case-insensitively). */
  findOwnByTitle(tenantId: TenantId, title: string): Promise<IntegrationEntity | null> {
    return this.repo()
      .createQueryBuilder('i')
      .where('i.tenant_id = :tenantId AND i.deleted_at IS NULL AND lower(i.title) = lower(:title)', { tenantId, title })
      .getOne();
  }

  /** The acting tenant's own row, locked for the change (never a shared one). */
  findOwn(tenantId: TenantId, id: string): Promise<IntegrationEntity | null> {
    return this.repo()
      .createQueryBuilder('i')
      .where('i.tenant_id = :tenantId AND i.id = :id AND i.deleted_at IS NULL', { tenantId, id })
      .setLock('pessimistic_write')
      .getOne();
  }

  findOwnBySeq(tenantId: TenantId, integrationId: number): Promise<IntegrationEntity | null> {
    return this.repo()
      .createQueryBuilder('i')
      .where('i.tenant_id = :tenantId AND i.integration_id = :integrationId AND i.deleted_at IS NULL', {
        tenantId,
        integrationId,
      })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** One live integration the reader may see: its own, or one shared from above. */
  find(reader: CatalogueReader, id: string): Promise<IntegrationEntity | null> {
    return this.reading(reader, () => this.visible(reader).andWhere('i.id = :id', { id }).getOne());
  }

  /**
   * A page, newest first: the tenant's own rows and the shared rows of the tenants above, each read by its own
   * statement walking (tenant_id, created_at, id) in order, merged here. One statement with an OR over both would
   * make PostgreSQL gather and sort every row of the tenant (10,000 integrations: ~10 ms instead of ~1 ms).
   */
  page(reader: CatalogueReader, filters: IntegrationFilters, page: PageRequest): Promise<IntegrationEntity[]> {
    return this.reading(reader, async () => {
      if (filters.status === 'deleted') {
        const qb = this.repo()
          .createQueryBuilder('i')
          .where('i.tenant_id = :tenantId AND i.deleted_at IS NOT NULL', { tenantId: reader.tenantId });
        return newestFirst(this.filtered(qb, filters), 'i', page).getMany();
      }
      const own = this.repo()
        .createQueryBuilder('i')
        .where('i.tenant_id = :tenantId AND i.deleted_at IS NULL', { tenantId: reader.tenantId });
      const rows = await newestFirst(this.filtered(own, filters), 'i', page).getMany();
      if (reader.owners.length === 0) return rows;
      const shared = this.repo()
        .createQueryBuilder('i')
        .where('i.tenant_id IN (:...owners) AND i.shared AND i.deleted_at IS NULL', { owners: reader.owners });
      rows.push(...(await newestFirst(this.filtered(shared, filters), 'i', page).getMany()));
      return rows.sort(newestFirstOrder).slice(0, page.limit + 1);
    });
  }

  private filtered(
    qb: SelectQueryBuilder<IntegrationEntity>,
    filters: IntegrationFilters,
  ): SelectQueryBuilder<IntegrationEntity> {
    if (filters.status && filters.status !== 'deleted') qb.andWhere('i.status = :status', { status: filters.status });
    if (filters.category) qb.andWhere('lower(i.category) = lower(:category)', { category: filters.category });
    if (filters.q) qb.andWhere(`i.title ILIKE :q ESCAPE '\\'`, { q: `%${escapeLike(filters.q)}%` });
    return qb;
  }

  /** Active integrations the reader sees (its own and shared), oldest first: the seed's integration list. */
  active(reader: CatalogueReader): Promise<IntegrationEntity[]> {
    return this.reading(reader, () =>
      this.visible(reader)
        .andWhere(`i.status = 'active'`)
        .orderBy('i.created_at', 'ASC')
        .addOrderBy('i.id', 'ASC')
        .limit(10_000)
        .getMany(),
    );
  }

  /** The field definitions of those live integrations the reader sees, by id (instances show unset secrets by them). */
  async definitionsOf(reader: CatalogueReader, ids: string[]): Promise<Map<string, FieldDefinition[]>> {
    if (ids.length === 0) return new Map();
    const rows = await this.reading(reader, () =>
      this.visible(reader).andWhere('i.id IN (:...ids)', { ids }).select(['i.id', 'i.fields']).getMany(),
    );
    return new Map(rows.map((r) => [r.id, r.fields]));
  }

  async logo(reader: CatalogueReader, id: string): Promise<StoredLogo | null> {
    const row = await this.reading(reader, () =>
      this.visible(reader).andWhere('i.id = :id', { id }).addSelect('i.logo').getOne(),
    );
    if (!row?.logo || !row.logo_content_type || !row.logo_sha256) return null;
    return { content_type: row.logo_content_type, body: row.logo, sha256: row.logo_sha256 };
  }

  private visible(reader: CatalogueReader): SelectQueryBuilder<IntegrationEntity> {
    return this.repo()
      .createQueryBuilder('i')
      .where('i.deleted_at IS NULL')
      .andWhere(
        new Brackets((w) => {
          w.where('i.tenant_id = :tenantId', { tenantId: reader.tenantId });
          if (reader.owners.length > 0)
            w.orWhere('(i.shared AND i.tenant_id IN (:...owners))', { owners: reader.owners });
        }),
      );
  }

  private reading<T>(reader: CatalogueReader, fn: () => Promise<T>): Promise<T> {
    if (reader.owners.length === 0) return fn();
    return this.db.withSettings({ [CATALOGUE_OWNERS_SETTING]: reader.owners.join(',') }, fn);
  }

  private repo() {
    return this.db.em.getRepository(IntegrationEntity);
  }
}

function isTitleConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { constraint?: string } };
  return e.code === UNIQUE_VIOLATION && (e.constraint ?? e.driverError?.constraint) === TITLE_KEY;
}

/** created_at, then id, both descending: PostgreSQL's order of uuids is their bytes', the order of their hex text. */
function newestFirstOrder(a: IntegrationEntity, b: IntegrationEntity): number {
  const t = b.created_at.getTime() - a.created_at.getTime();
  if (t !== 0) return t;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
