// The SQL over monitor_checks, in the caller's transaction: recording a check once per slot, the newest-first list,
// the window's statistics (computed in PostgreSQL) and the retention sweep's deletes.
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { MonitorCheckEntity } from '../entities/monitor-check.entity';

export interface CheckStatsRow {
  checks: number;
  ok: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

@Injectable()
export class MonitorChecksRepository {
  constructor(private readonly db: TenantContext) {}

  /** Stores the check unless one of the same slot exists already (another writer, a retry); true when it was new. */
  async insertOnce(row: MonitorCheckEntity): Promise<boolean> {
    const inserted = (await this.db.em.query(
      `INSERT INTO monitor_checks (id, tenant_id, monitor_id, scheduled_for, checked_at, status, status_code, latency_ms, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id, monitor_id, scheduled_for) DO NOTHING
       RETURNING id`,
      [
        row.id,
        row.tenant_id,
        row.monitor_id,
        row.scheduled_for,
        row.checked_at,
        row.status,
        row.status_code,
        row.latency_ms,
        row.error,
      ],
    )) as { id: string }[];
    return inserted.length > 0;
  }

  /** The monitor's checks, newest first (checked_at, id), limit + 1 of them. */
  page(tenantId: TenantId, monitorId: string, page: PageRequest): Promise<MonitorCheckEntity[]> {
    const qb = this.db.em
      .getRepository(MonitorCheckEntity)
      .createQueryBuilder('c')
      .where('c.tenant_id = :tenantId AND c.monitor_id = :monitorId', { tenantId, monitorId });
    return newestFirst(qb, 'c', page, 'checked_at').getMany();
  }

  /** Count, successes and latency percentiles (percentile_cont, interpolated) of the checks ended since `since`. */
  async stats(tenantId: TenantId, monitorId: string, since: Date): Promise<CheckStatsRow> {
    const [row] = (await this.db.em.query(
      `SELECT count(*)::int AS checks,
              count(*) FILTER (WHERE status = 'ok')::int AS ok,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
         FROM monitor_checks
        WHERE tenant_id = $1 AND monitor_id = $2 AND checked_at >= $3`,
      [tenantId, monitorId, since],
    )) as CheckStatsRow[];
    return row;
  }

  /** Deletes up to `limit` of the tenant's checks that ended before `cutoff`; answers how many. */
  async deleteOlderThan(tenantId: TenantId, cutoff: Date, limit: number): Promise<number> {
    const rows = (await this.db.em.query(
      `DELETE FROM monitor_checks
        WHERE id IN (SELECT id FROM monitor_checks WHERE tenant_id = $1 AND checked_at < $2 LIMIT $3)
       RETURNING 1`,
      [tenantId, cutoff, limit],
    )) as unknown[];
    // TypeORM answers [rows, affected] for DELETE ... RETURNING on PostgreSQL.
    return Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
  }
}
