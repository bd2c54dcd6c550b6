// The SQL over integrations, in the caller's transaction. Reads that may return another tenant's shared rows name
// those tenants in app.catalogue_owners (the integrations_lookup policy, SELECT only) for that statement alone. The
// shared rows of a tenant above in another database (a dedicated child of a shared MSSP) are read in that database,
// in a transaction of their own there (docs/dedicated-tenants.md, "Shared catalogue across databases").
import { Injectable } from '@nestjs/common';
import { Brackets, SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CATALOGUE_OWNERS_SETTING, PageRequest, TenantContext, newestFirst } from '@conduit/database';
import type { CatalogueDatabases } from '@conduit/database';
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
  async find(reader: CatalogueReader, id: string): Promise<IntegrationEntity | null> {
    const found = await this.acrossDatabases(
      reader,
      (r, own) => this.visible(r, own).andWhere('i.id = :id', { id }).getOne(),
      (row) => row !== null,
    );
    return found.find((row) => row !== null) ?? null;
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
      const groups = await this.db.catalogueDatabases(reader.tenantId, reader.owners);
      const sharedOf = (owners: TenantId[]) => {
        const shared = this.repo()
          .createQueryBuilder('i')
          .where('i.tenant_id IN (:...owners) AND i.shared AND i.deleted_at IS NULL', { owners });
        return newestFirst(this.filtered(shared, filters), 'i', page).getMany();
      };
      if (groups.here.length > 0) rows.push(...(await sharedOf(groups.here)));
      for (const g of groups.elsewhere)
        rows.push(...(await this.db.inCatalogueDatabase(g.database, g.owners, () => sharedOf(g.owners))));
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
  async active(reader: CatalogueReader): Promise<IntegrationEntity[]> {
    const parts = await this.acrossDatabases(reader, (r, own) =>
      this.visible(r, own)
        .andWhere(`i.status = 'active'`)
        .orderBy('i.created_at', 'ASC')
        .addOrderBy('i.id', 'ASC')
        .limit(10_000)
        .getMany(),
    );
    if (parts.length === 1) return parts[0];
    return parts
      .flat()
      .sort((a, b) => -newestFirstOrder(a, b))
      .slice(0, 10_000);
  }

  /** The field definitions of those live integrations the reader sees, by id (instances show unset secrets by them). */
  async definitionsOf(reader: CatalogueReader, ids: string[]): Promise<Map<string, FieldDefinition[]>> {
    if (ids.length === 0) return new Map();
    const parts = await this.acrossDatabases(reader, (r, own) =>
      this.visible(r, own).andWhere('i.id IN (:...ids)', { ids }).select(['i.id', 'i.fields']).getMany(),
    );
    return new Map(parts.flat().map((r) => [r.id, r.fields]));
  }

  async logo(reader: CatalogueReader, id: string): Promise<StoredLogo | null> {
    const found = await this.acrossDatabases(
      reader,
      (r, own) => this.visible(r, own).andWhere('i.id = :id', { id }).addSelect('i.logo').getOne(),
      (row) => row !== null,
    );
    const row = found.find((r) => r !== null);
    if (!row?.logo || !row.logo_content_type || !row.logo_sha256) return null;
    return { content_type: row.logo_content_type, body: row.logo, sha256: row.logo_sha256 };
  }

  /** The live rows the reader sees of `reader.owners`' shared ones, and (with `own`) its own. */
  private visible(reader: CatalogueReader, own = true): SelectQueryBuilder<IntegrationEntity> {
    return this.repo()
      .createQueryBuilder('i')
      .where('i.deleted_at IS NULL')
      .andWhere(
        new Brackets((w) => {
          w.where(own ? 'i.tenant_id = :tenantId' : 'false', { tenantId: reader.tenantId });
          if (reader.owners.length > 0)
            w.orWhere('(i.shared AND i.tenant_id IN (:...owners))', { owners: reader.owners });
        }),
      );
  }

  /**
   * Runs read once in the database read here, for the reader's own rows and the shared rows of the owners there (one
   * statement, as ever), then once per other database holding owners, for their shared rows only (`own` false), in
   * that database. With `done`, stops at the first answer it accepts (a read by id). One result a database read.
   */
  private async acrossDatabases<T>(
    reader: CatalogueReader,
    read: (reader: CatalogueReader, own: boolean) => Promise<T>,
    done?: (result: T) => boolean,
  ): Promise<T[]> {
    if (reader.owners.length === 0) return [await read(reader, true)];
    const groups: CatalogueDatabases = await this.db.catalogueDatabases(reader.tenantId, reader.owners);
    const here = { tenantId: reader.tenantId, owners: groups.here };
    const results = [await this.reading(here, () => read(here, true))];
    for (const g of groups.elsewhere) {
      if (done?.(results[results.length - 1])) break;
      const there = { tenantId: reader.tenantId, owners: g.owners };
      results.push(await this.db.inCatalogueDatabase(g.database, g.owners, () => read(there, false)));
    }
    return results;
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
