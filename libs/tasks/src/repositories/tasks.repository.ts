// The SQL over tasks (and the one read of the integration a task belongs to), in the caller's transaction. A shared
// integration (and its tasks) of a tenant above in another database is read in that database, in a transaction of its
// own there (docs/dedicated-tenants.md, "Shared catalogue across databases").
import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  CATALOGUE_OWNERS_SETTING,
  PageRequest,
  TenantContext,
  isUniqueViolation,
  newestFirst,
} from '@conduit/database';
import { IntegrationEntity } from '@conduit/integrations';
import type { TenantId } from '@conduit/platform';
import type { TaskStatus } from '../definition';
import { TaskEntity } from '../entities/task.entity';

const TAG_KEY = 'tasks_integration_tag_key';

/** What saving a task needs of its integration. */
export type TaskIntegration = Pick<IntegrationEntity, 'id' | 'tenant_id' | 'integration_id' | 'fields'>;

@Injectable()
export class TasksRepository {
  constructor(private readonly db: TenantContext) {}

  /**
   * The tenant's own live integration, by UUID or by its sequence number. With `lock`, its row stays locked until the
   * transaction ends: task saves of one integration run one at a time, so the tag and cycle checks cannot race.
   */
  integration(
    tenantId: TenantId,
    ref: { id: string } | { seq: number },
    lock = false,
  ): Promise<TaskIntegration | null> {
    const qb = this.db.em
      .getRepository(IntegrationEntity)
      .createQueryBuilder('i')
      .select(['i.id', 'i.tenant_id', 'i.integration_id', 'i.fields'])
      .where('i.tenant_id = :tenantId AND i.deleted_at IS NULL', { tenantId });
    if ('id' in ref) qb.andWhere('i.id = :id', { id: ref.id });
    else qb.andWhere('i.integration_id = :seq', { seq: ref.seq });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /**
   * A live integration shared by one of `owners` (the tenants above the reader), read through the integrations' lookup
   * policy; null when none.
   */
  async sharedIntegration(owners: TenantId[], id: string): Promise<TaskIntegration | null> {
    const read = (of: TenantId[]) =>
      this.db.em
        .getRepository(IntegrationEntity)
        .createQueryBuilder('i')
        .select(['i.id', 'i.tenant_id', 'i.integration_id', 'i.fields'])
        .where('i.id = :id AND i.shared AND i.deleted_at IS NULL AND i.tenant_id IN (:...owners)', { id, owners: of })
        .getOne();
    return this.firstAcross(owners, read, (row) => row !== null, null);
  }

  /**
   * Runs reads of another tenant's shared integration's tasks (the tasks_lookup policy), for fn's statements only.
   * With `owner` (the tenant whose integration it is), in that tenant's database when it is another one than here.
   */
  async sharedReading<T>(owners: TenantId[], fn: () => Promise<T>, owner?: TenantId): Promise<T> {
    if (owners.length === 0) return fn();
    if (owner !== undefined) {
      const groups = await this.db.catalogueDatabases(null, owners);
      const there = groups.elsewhere.find((g) => g.owners.includes(owner));
      if (there) return this.db.inCatalogueDatabase(there.database, there.owners, fn);
    }
    return this.db.withSettings({ [CATALOGUE_OWNERS_SETTING]: owners.join(',') }, fn);
  }

  /**
   * read(owners) here, with the owners in this database (and the reader's own rows), then, until an answer is
   * accepted, in each other database holding owners, with those. `none` when no owner is anywhere.
   */
  private async firstAcross<T>(
    owners: TenantId[],
    read: (owners: TenantId[]) => Promise<T>,
    accepted: (result: T) => boolean,
    none: T,
  ): Promise<T> {
    if (owners.length === 0) return none;
    const groups = await this.db.catalogueDatabases(null, owners);
    let result = none;
    if (groups.here.length > 0) {
      result = await this.db.withSettings({ [CATALOGUE_OWNERS_SETTING]: groups.here.join(',') }, () =>
        read(groups.here),
      );
      if (accepted(result)) return result;
    }
    for (const g of groups.elsewhere) {
      result = await this.db.inCatalogueDatabase(g.database, g.owners, () => read(g.owners));
      if (accepted(result)) return result;
    }
    return result;
  }

  /** False when the tag is taken by another live task of the integration. */
  async insert(row: TaskEntity): Promise<boolean> {
    try {
      await this.db.insert(TaskEntity, row);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, TAG_KEY)) return false;
      throw err;
    }
  }

  async update(tenantId: TenantId, id: string, changes: Partial<TaskEntity>): Promise<boolean> {
    try {
      await this.repo().update({ id, tenant_id: tenantId }, changes as QueryDeepPartialEntity<TaskEntity>);
      return true;
    } catch (err) {
      if (isUniqueViolation(err, TAG_KEY)) return false;
      throw err;
    }
  }

  /** The integration's live tasks (not deleted), for the tag, dependency and cycle checks. */
  live(tenantId: TenantId, integrationUuid: string): Promise<TaskEntity[]> {
    return this.repo()
      .createQueryBuilder('t')
      .where('t.tenant_id = :tenantId AND t.integration_uuid = :integrationUuid AND t.deleted_at IS NULL', {
        tenantId,
        integrationUuid,
      })
      .orderBy('t.task_id', 'ASC')
      .getMany();
  }

  /**
   * The live tasks of an integration the reader may run: its own, or one shared by `owners` (read through the
   * tasks_lookup policy). The run needs every task, for the dependencies.
   */
  async ofIntegration(owners: TenantId[], integrationUuid: string): Promise<TaskEntity[]> {
    const read = () =>
      this.repo()
        .createQueryBuilder('t')
        .where('t.integration_uuid = :integrationUuid AND t.deleted_at IS NULL', { integrationUuid })
        .orderBy('t.execution_order', 'ASC')
        .addOrderBy('t.task_id', 'ASC')
        .getMany();
    // Here: the reader's own integrations' tasks and those shared by owners in this database (one statement); an
    // integration shared from another database has its tasks there, read only when none was found here.
    const groups = await this.db.catalogueDatabases(null, owners);
    const rows = await this.sharedReading(groups.here, read);
    if (rows.length > 0) return rows;
    for (const g of groups.elsewhere) {
      const there = await this.db.inCatalogueDatabase(g.database, g.owners, read);
      if (there.length > 0) return there;
    }
    return rows;
  }

  find(tenantId: TenantId, integrationUuid: string, id: string): Promise<TaskEntity | null> {
    return this.repo()
      .createQueryBuilder('t')
      .where('t.tenant_id = :tenantId AND t.integration_uuid = :integrationUuid AND t.id = :id', {
        tenantId,
        integrationUuid,
        id,
      })
      .andWhere('t.deleted_at IS NULL')
      .getOne();
  }

  /** A live task by the tenant's sequence number, optionally within one integration (by its sequence number). */
  findBySeq(tenantId: TenantId, taskId: number, integrationId?: number): Promise<TaskEntity | null> {
    const qb = this.repo()
      .createQueryBuilder('t')
      .where('t.tenant_id = :tenantId AND t.task_id = :taskId AND t.deleted_at IS NULL', { tenantId, taskId });
    if (integrationId !== undefined) qb.andWhere('t.integration_id = :integrationId', { integrationId });
    return qb.getOne();
  }

  page(
    tenantId: TenantId,
    integrationUuid: string,
    filters: { status?: TaskStatus },
    page: PageRequest,
  ): Promise<TaskEntity[]> {
    const qb = this.repo()
      .createQueryBuilder('t')
      .where('t.tenant_id = :tenantId AND t.integration_uuid = :integrationUuid', { tenantId, integrationUuid });
    if (filters.status === 'deleted') qb.andWhere('t.deleted_at IS NOT NULL');
    else {
      qb.andWhere('t.deleted_at IS NULL');
      if (filters.status) qb.andWhere('t.status = :status', { status: filters.status });
    }
    return newestFirst(qb, 't', page).getMany();
  }

  /** The integration is being deleted: its live tasks become inactive. */
  async deactivateAll(tenantId: TenantId, integrationUuid: string, now: Date): Promise<void> {
    await this.repo()
      .createQueryBuilder()
      .update(TaskEntity)
      .set({ status: 'inactive', updated_at: now })
      .where('tenant_id = :tenantId AND integration_uuid = :integrationUuid AND deleted_at IS NULL', {
        tenantId,
        integrationUuid,
      })
      .execute();
  }

  private repo() {
    return this.db.em.getRepository(TaskEntity);
  }
}
