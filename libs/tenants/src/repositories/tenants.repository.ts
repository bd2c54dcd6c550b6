// The SQL over tenants (a control-plane table: no tenant column, no RLS), in the caller's transaction (in a dedicated
// tenant's, the core database's own: TenantContext.coreEm). Callers have decided who may read or write before they get
// here: the tenants API through AccessService, everyone else inside SystemContext.run(). The walks of the MSSP tree
// have no depth limit (a limit made deep trees look shorter than they are, and let a move create a cycle); each one
// tracks the ids it has seen, so even a cycle already in the data cannot make it run forever.
import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PageRequest, TenantContext, isUniqueViolation, newestFirst } from '@conduit/database';
import { Clock, TenantId, isUuid } from '@conduit/platform';
import { TenantEntity, TenantIsolation, TenantStatus } from '../entities/tenant.entity';
import { TenantException } from '../tenant.exception';

export interface NewTenant {
  id: TenantId;
  code: string;
  name: string;
  parentId: TenantId | null;
  contactEmail?: string | null;
  settings?: Record<string, unknown>;
  complianceSettings?: Record<string, unknown>;
  isolation?: TenantIsolation;
}

/** A live tenant's place in the tree. */
export interface TenantNode {
  id: TenantId;
  parent_id: TenantId | null;
  code: string;
  name: string;
}

export interface TenantFilter {
  /** only these tenants (null: every tenant) */
  visible: TenantId[] | null;
  status?: TenantStatus;
  parent_id?: string;
}

@Injectable()
export class TenantsRepository {
  constructor(
    private readonly db: TenantContext,
    private readonly clock: Clock,
  ) {}

  /** Inserts an active tenant; a code already taken (checked first, then by the unique index) is tenant_code_taken. */
  async insert(input: NewTenant): Promise<TenantEntity> {
    const repo = this.repo();
    if (await repo.exists({ where: { code: input.code } })) throw codeTaken(input.code);
    const now = this.clock.now();
    const tenant = repo.create({
      id: input.id,
      code: input.code,
      name: input.name,
      parent_id: input.parentId,
      status: 'active',
      contact_email: input.contactEmail ?? null,
      settings: input.settings ?? {},
      compliance_settings: input.complianceSettings ?? {},
      isolation: input.isolation ?? 'shared',
      connection_status: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    });
    try {
      await repo.insert(tenant as QueryDeepPartialEntity<TenantEntity>);
    } catch (err) {
      // Two creates with one code at once: the exists check above passes for both, the unique index decides.
      if (isUniqueViolation(err, 'tenants_code_key')) throw codeTaken(input.code);
      throw err;
    }
    return tenant;
  }

  /** A tenant by id or code (lower-cased), deleted or not. */
  find(ref: string): Promise<TenantEntity | null> {
    // A lookup by id: what it finds is a tenant's row, whose id is a TenantId.
    const code = ref.toLowerCase();
    const where = isUuid(ref) ? { id: ref as TenantId } : { code };
    return this.repo().findOne({ where });
  }

  /** Live tenants, newest first. */
  page(filter: TenantFilter, page: PageRequest): Promise<TenantEntity[]> {
    const qb = this.repo().createQueryBuilder('t').where('t.deleted_at IS NULL');
    if (filter.visible) qb.andWhere('t.id = ANY(:visible)', { visible: filter.visible });
    if (filter.status) qb.andWhere('t.status = :status', { status: filter.status });
    if (filter.parent_id) qb.andWhere('t.parent_id = :parent', { parent: filter.parent_id });
    return newestFirst(qb, 't', page).getMany();
  }

  async save(tenant: TenantEntity): Promise<void> {
    await this.repo().save(tenant);
  }

  /** Soft delete: the row stays for audit and foreign keys. */
  async softDelete(id: TenantId, now: Date): Promise<void> {
    await this.repo().update({ id }, { deleted_at: now, status: 'inactive', updated_at: now });
  }

  /** Ids from the tenant itself up to its root. */
  async lineage(tenantId: TenantId): Promise<TenantId[]> {
    const rows = (await this.db.coreEm.query(
      `WITH RECURSIVE up(id, parent_id, path) AS (
         SELECT id, parent_id, ARRAY[id] FROM tenants WHERE id = $1
         UNION ALL
         SELECT t.id, t.parent_id, up.path || t.id FROM tenants t JOIN up ON t.id = up.parent_id WHERE NOT t.id = ANY(up.path)
       ) SELECT id FROM up ORDER BY cardinality(path)`,
      [tenantId],
    )) as { id: TenantId }[];
    return rows.map((r) => r.id);
  }

  /** Ids of the tenant and every live tenant below it. */
  async subtree(rootId: TenantId): Promise<TenantId[]> {
    // UNION (not UNION ALL) drops rows already found, which ends the walk on a cycle.
    const rows = (await this.db.coreEm.query(
      `WITH RECURSIVE down(id) AS (
         SELECT id FROM tenants WHERE id = $1 AND deleted_at IS NULL
         UNION
         SELECT t.id FROM tenants t JOIN down ON t.parent_id = down.id WHERE t.deleted_at IS NULL
       ) SELECT id FROM down`,
      [rootId],
    )) as { id: TenantId }[];
    return rows.map((r) => r.id);
  }

  /** Every live tenant's id, parent, code and name, in id order. */
  async liveTree(): Promise<TenantNode[]> {
    return (await this.db.coreEm.query(
      `SELECT id, parent_id, code, name FROM tenants WHERE deleted_at IS NULL ORDER BY id`,
    )) as TenantNode[];
  }

  /** Serializes moves of tenants for the rest of the transaction. */
  async lockMoves(): Promise<void> {
    await this.db.coreEm.query(`SELECT pg_advisory_xact_lock(hashtextextended('conduit:tenant-moves', 0))`);
  }

  async hasLiveChildren(tenantId: TenantId): Promise<boolean> {
    const [row] = (await this.db.coreEm.query(
      'SELECT EXISTS (SELECT 1 FROM tenants WHERE parent_id = $1 AND deleted_at IS NULL) AS has',
      [tenantId],
    )) as { has: boolean }[];
    return Boolean(row?.has);
  }

  private repo() {
    return this.db.coreEm.getRepository(TenantEntity);
  }
}

function codeTaken(code: string): TenantException {
  return new TenantException('tenant_code_taken', `A tenant with code ${code} already exists`);
}
