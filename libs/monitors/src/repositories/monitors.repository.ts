// The SQL over monitors, in the caller's transaction: the API's CRUD, the scheduler's claim of due monitors and the
// checker's locked read and state update.
import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PageRequest, TenantContext, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { MonitorEntity, MonitorMethod, MonitorStatus } from '../entities/monitor.entity';

export interface MonitorFilters {
  enabled?: boolean;
  status?: MonitorStatus;
}

/** A due monitor a worker claimed, with the slot it claimed (its next_check_at before the claim moved it on). */
export interface ClaimedCheck {
  id: string;
  tenant_id: TenantId;
  url: string;
  method: MonitorMethod;
  interval_seconds: number;
  timeout_ms: number;
  expected_status: string;
  body_contains: string | null;
  slot: Date;
}

@Injectable()
export class MonitorsRepository {
  constructor(private readonly db: TenantContext) {}

  private repo() {
    return this.db.em.getRepository(MonitorEntity);
  }

  find(tenantId: TenantId, id: string): Promise<MonitorEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  page(tenantId: TenantId, filters: MonitorFilters, page: PageRequest): Promise<MonitorEntity[]> {
    const qb = this.repo().createQueryBuilder('m').where('m.tenant_id = :tenantId', { tenantId });
    if (filters.enabled !== undefined) qb.andWhere('m.enabled = :enabled', { enabled: filters.enabled });
    if (filters.status !== undefined) qb.andWhere('m.status = :status', { status: filters.status });
    return newestFirst(qb, 'm', page).getMany();
  }

  async insert(row: MonitorEntity): Promise<void> {
    await this.db.insert(MonitorEntity, row);
  }

  async update(tenantId: TenantId, id: string, changes: Partial<MonitorEntity>): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, changes as QueryDeepPartialEntity<MonitorEntity>);
  }

  /** Deletes the monitor (its checks go with it, ON DELETE CASCADE); false when there was none. */
  async delete(tenantId: TenantId, id: string): Promise<boolean> {
    const result = await this.repo().delete({ id, tenant_id: tenantId });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Claims up to `limit` due monitors of the tenant: moves each one's next_check_at one interval on (or one interval
   * from now when it fell behind by more than an interval, so a backlog is not checked in a burst) and answers the slot
   * it moved from. Rows another transaction holds (another worker's claim, a check being recorded) are skipped, and a
   * row another worker claimed meanwhile is no longer due when re-read under the lock: each slot is claimed once.
   */
  async claimDue(tenantId: TenantId, limit: number): Promise<ClaimedCheck[]> {
    const rows = (await this.db.em.query(
      `UPDATE monitors m
          SET next_check_at = CASE
                WHEN due.slot + make_interval(secs => m.interval_seconds) > now()
                  THEN due.slot + make_interval(secs => m.interval_seconds)
                ELSE now() + make_interval(secs => m.interval_seconds)
              END
         FROM (SELECT id, next_check_at AS slot
                 FROM monitors
                WHERE tenant_id = $1 AND enabled AND next_check_at <= now()
                ORDER BY next_check_at
                LIMIT $2
                  FOR UPDATE SKIP LOCKED) due
        WHERE m.id = due.id AND m.tenant_id = $1
       RETURNING m.id, m.tenant_id, m.url, m.method, m.interval_seconds, m.timeout_ms, m.expected_status, m.body_contains, due.slot`,
      [tenantId, limit],
    )) as [ClaimedCheck[], number] | ClaimedCheck[];
    // TypeORM answers [rows, affected] for an UPDATE ... RETURNING on PostgreSQL.
    const claimed = (Array.isArray(rows[0]) ? rows[0] : rows) as ClaimedCheck[];
    return claimed.map((r) => ({ ...r, slot: new Date(r.slot) }));
  }

  /** The monitor, its row locked until the transaction ends: checks of one monitor are recorded one at a time. */
  lock(tenantId: TenantId, id: string): Promise<MonitorEntity | null> {
    return this.repo()
      .createQueryBuilder('m')
      .where('m.tenant_id = :tenantId AND m.id = :id', { tenantId, id })
      .setLock('pessimistic_write')
      .getOne();
  }
}
