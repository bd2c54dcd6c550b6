// The SQL over integration_instances, in the caller's transaction: always the acting tenant's own rows.
import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PageRequest, TenantContext, isUniqueViolation, newestFirst, returnedRows } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { InstanceEntity, InstanceStatus } from '../entities/instance.entity';

const TITLE_KEY = 'integration_instances_title_key';

export interface InstanceFilters {
  integrationId?: number;
  integrationUuid?: string;
  status?: InstanceStatus;
}

@Injectable()
export class InstancesRepository {
  constructor(private readonly db: TenantContext) {}

  /** False when the integration already has a live instance of that title in the tenant. */
  async insert(row: InstanceEntity): Promise<boolean> {
    try {
      await this.db.insert(InstanceEntity, row);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, TITLE_KEY)) return false;
      throw err;
    }
  }

  async update(tenantId: TenantId, id: string, changes: Partial<InstanceEntity>): Promise<boolean> {
    try {
      await this.repo().update({ id, tenant_id: tenantId }, changes as QueryDeepPartialEntity<InstanceEntity>);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, TITLE_KEY)) return false;
      throw err;
    }
  }

  titleTaken(tenantId: TenantId, integrationUuid: string, title: string, exceptId?: string): Promise<boolean> {
    const qb = this.repo()
      .createQueryBuilder('x')
      .where(
        'x.tenant_id = :tenantId AND x.integration_uuid = :integrationUuid AND x.deleted_at IS NULL AND lower(x.title) = lower(:title)',
        { tenantId, integrationUuid, title },
      );
    if (exceptId) qb.andWhere('x.id <> :exceptId', { exceptId });
    return qb.getExists();
  }

  /** The integration's live instance with this title (unique per integration, case-insensitively). */
  findByTitle(tenantId: TenantId, integrationUuid: string, title: string): Promise<InstanceEntity | null> {
    return this.repo()
      .createQueryBuilder('x')
      .where(
        'x.tenant_id = :tenantId AND x.integration_uuid = :integrationUuid AND x.deleted_at IS NULL AND lower(x.title) = lower(:title)',
        { tenantId, integrationUuid, title },
      )
      .getOne();
  }

  /** A live instance of the tenant; locked when it is about to change. */
  find(tenantId: TenantId, id: string, lock = false): Promise<InstanceEntity | null> {
    const qb = this.repo()
      .createQueryBuilder('x')
      .where('x.tenant_id = :tenantId AND x.id = :id AND x.deleted_at IS NULL', { tenantId, id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /** A live instance of the tenant by its number (instance_id: the seed paths' integer id). */
  findByNumber(tenantId: TenantId, instanceNumber: number): Promise<InstanceEntity | null> {
    return this.repo()
      .createQueryBuilder('x')
      .where('x.tenant_id = :tenantId AND x.instance_id = :instanceNumber AND x.deleted_at IS NULL', {
        tenantId,
        instanceNumber,
      })
      .getOne();
  }

  page(tenantId: TenantId, filters: InstanceFilters, page: PageRequest): Promise<InstanceEntity[]> {
    const qb = this.repo()
      .createQueryBuilder('x')
      .where('x.tenant_id = :tenantId AND x.deleted_at IS NULL', { tenantId });
    if (filters.integrationId !== undefined)
      qb.andWhere('x.integration_id = :integrationId', { integrationId: filters.integrationId });
    if (filters.integrationUuid)
      qb.andWhere('x.integration_uuid = :integrationUuid', { integrationUuid: filters.integrationUuid });
    if (filters.status) qb.andWhere('x.status = :status', { status: filters.status });
    return newestFirst(qb, 'x', page).getMany();
  }

  /** The tenant's live instances of the integration still running (not inactive): what losing it would stop. */
  runningOf(tenantId: TenantId, integrationUuid: string): Promise<{ id: string }[]> {
    return this.db.em.query(
      `SELECT id FROM integration_instances
        WHERE tenant_id = $1 AND integration_uuid = $2 AND deleted_at IS NULL AND status <> 'inactive'`,
      [tenantId, integrationUuid],
    ) as Promise<{ id: string }[]>;
  }

  /**
   * The tenant's running instances of an integration it can no longer use stop (status inactive): the rows changed,
   * with the status each had. Rows are locked by the UPDATE, so two deletions never report the same instance twice.
   */
  async deactivateRunningOf(
    tenantId: TenantId,
    integrationUuid: string,
    now: Date,
  ): Promise<{ id: string; instance_id: number; title: string; was: InstanceStatus }[]> {
    return returnedRows(
      await this.db.em.query(
        `UPDATE integration_instances i SET status = 'inactive', updated_at = $3
           FROM integration_instances b
          WHERE i.id = b.id AND i.tenant_id = $1 AND i.integration_uuid = $2 AND i.deleted_at IS NULL
            AND i.status <> 'inactive'
          RETURNING i.id, i.instance_id, i.title, b.status AS was`,
        [tenantId, integrationUuid, now],
      ),
    );
  }

  private repo() {
    return this.db.em.getRepository(InstanceEntity);
  }
}
