// The SQL over instance_ingestion, in the caller's tenant transaction. The worker's statements are conditional on
// the lease (lock_token), so a worker whose lease was taken over changes nothing: not the cursor, not last_run.
import { Injectable } from '@nestjs/common';
import { TenantContext, returnedRows } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import type { IngestionConfig, ResumePoint } from '../polling/ingestion-config';

export interface InstanceIngestionRow {
  instance_uuid: string;
  tenant_id: TenantId;
  integration_uuid: string;
  task_tag: string;
  enabled: boolean;
  config: IngestionConfig;
  cursor: Date | null;
  resume: ResumePoint | null;
  next_run_at: Date;
  locked_until: Date;
  lock_token: string | null;
  last_run: Record<string, unknown> | null;
  last_run_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A claimed run: the row as claimed, with the lease's token. */
export interface ClaimedIngestion extends InstanceIngestionRow {
  lock_token: string;
}

@Injectable()
export class InstanceIngestionRepository {
  constructor(private readonly db: TenantContext) {}

  async find(tenantId: TenantId, instanceUuid: string): Promise<InstanceIngestionRow | null> {
    const rows = (await this.db.em.query(
      `SELECT * FROM instance_ingestion WHERE tenant_id = $1 AND instance_uuid = $2`,
      [tenantId, instanceUuid],
    )) as InstanceIngestionRow[];
    return rows[0] ?? null;
  }

  /** Creates or replaces the settings; a new row (or one switched back on) is due now. The cursor is kept. */
  async upsert(
    tenantId: TenantId,
    instanceUuid: string,
    integrationUuid: string,
    config: IngestionConfig,
  ): Promise<InstanceIngestionRow> {
    const rows = (await this.db.em.query(
      `INSERT INTO instance_ingestion (instance_uuid, tenant_id, integration_uuid, task_tag, enabled, config)
       VALUES ($2, $1, $3, $4, $5, $6::jsonb)
       ON CONFLICT (instance_uuid) DO UPDATE
          SET task_tag = EXCLUDED.task_tag, enabled = EXCLUDED.enabled, config = EXCLUDED.config,
              integration_uuid = EXCLUDED.integration_uuid,
              resume = CASE WHEN instance_ingestion.task_tag = EXCLUDED.task_tag THEN instance_ingestion.resume END,
              next_run_at = CASE WHEN NOT instance_ingestion.enabled AND EXCLUDED.enabled THEN now()
                                 ELSE least(instance_ingestion.next_run_at,
                                            now() + make_interval(secs => (EXCLUDED.config->>'interval_seconds')::int)) END,
              updated_at = now()
        WHERE instance_ingestion.tenant_id = $1
       RETURNING *`,
      [tenantId, instanceUuid, integrationUuid, config.task_tag, config.enabled, JSON.stringify(config)],
    )) as InstanceIngestionRow[];
    return rows[0];
  }

  async remove(tenantId: TenantId, instanceUuid: string): Promise<boolean> {
    const rows = returnedRows(
      await this.db.em.query(`DELETE FROM instance_ingestion WHERE tenant_id = $1 AND instance_uuid = $2 RETURNING 1`, [
        tenantId,
        instanceUuid,
      ]),
    );
    return rows.length > 0;
  }

  /** Sets the cursor (an admin's reset) and drops any resume point; the next run is due now. */
  async resetCursor(tenantId: TenantId, instanceUuid: string, cursor: Date): Promise<InstanceIngestionRow | null> {
    const rows = returnedRows<InstanceIngestionRow>(
      await this.db.em.query(
        `UPDATE instance_ingestion SET cursor = $3, resume = NULL, next_run_at = now(), updated_at = now()
          WHERE tenant_id = $1 AND instance_uuid = $2 RETURNING *`,
        [tenantId, instanceUuid, cursor],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * Claims due, enabled, unleased ingestion of live instances that run (active, or error: a health verdict, not a
   * stop; an inactive one, such as one whose shared integration was withdrawn, is not polled), each in one
   * UPDATE ... WHERE locked_until < now() RETURNING: a second worker finds them locked.
   */
  async claimDue(tenantId: TenantId, limit: number, leaseSeconds: number): Promise<ClaimedIngestion[]> {
    return returnedRows<ClaimedIngestion>(
      await this.db.em.query(
        `UPDATE instance_ingestion g
            SET locked_until = now() + make_interval(secs => $3::int), lock_token = gen_random_uuid()
          WHERE g.instance_uuid IN (
                  SELECT x.instance_uuid FROM instance_ingestion x
                    JOIN integration_instances i ON i.id = x.instance_uuid AND i.deleted_at IS NULL
                         AND i.status IN ('active', 'error')
                   WHERE x.tenant_id = $1 AND x.enabled AND x.next_run_at <= now() AND x.locked_until < now()
                   ORDER BY x.next_run_at LIMIT $2 FOR UPDATE OF x SKIP LOCKED)
            AND g.locked_until < now()
        RETURNING g.*`,
        [tenantId, limit, leaseSeconds],
      ),
    );
  }

  /** Extends this lease; false when it is no longer this run's (taken over after it expired, or the row is gone). */
  async renew(tenantId: TenantId, instanceUuid: string, token: string, leaseSeconds: number): Promise<boolean> {
    const rows = returnedRows(
      await this.db.em.query(
        `UPDATE instance_ingestion SET locked_until = now() + make_interval(secs => $4::int)
          WHERE tenant_id = $1 AND instance_uuid = $2 AND lock_token = $3 AND locked_until >= now() RETURNING 1`,
        [tenantId, instanceUuid, token, leaseSeconds],
      ),
    );
    return rows.length > 0;
  }

  /**
   * In the page's transaction, while the lease is this run's and unexpired: moves the cursor (when given) and sets
   * the resume point (when given: null clears it, undefined keeps it). False means another worker may be running it
   * now, and the caller must roll the page back.
   */
  async advance(
    tenantId: TenantId,
    instanceUuid: string,
    token: string,
    cursor: Date | null,
    resume: ResumePoint | null | undefined,
  ): Promise<boolean> {
    const rows = returnedRows(
      await this.db.em.query(
        `UPDATE instance_ingestion
            SET cursor = coalesce($4, cursor), resume = CASE WHEN $6 THEN $5::jsonb ELSE resume END, updated_at = now()
          WHERE tenant_id = $1 AND instance_uuid = $2 AND lock_token = $3 AND locked_until >= now() RETURNING 1`,
        [tenantId, instanceUuid, token, cursor, resume ? JSON.stringify(resume) : null, resume !== undefined],
      ),
    );
    return rows.length > 0;
  }

  /** Ends a run: last_run, the next due time, and the lease released. */
  async finish(
    tenantId: TenantId,
    instanceUuid: string,
    token: string,
    lastRun: Record<string, unknown>,
    nextRunAt: Date,
  ): Promise<boolean> {
    const rows = returnedRows(
      await this.db.em.query(
        `UPDATE instance_ingestion
            SET last_run = $4::jsonb, last_run_at = now(), next_run_at = $5, locked_until = '-infinity',
                lock_token = NULL, updated_at = now()
          WHERE tenant_id = $1 AND instance_uuid = $2 AND lock_token = $3 RETURNING 1`,
        [tenantId, instanceUuid, token, JSON.stringify(lastRun), nextRunAt],
      ),
    );
    return rows.length > 0;
  }

  /** Live instances of the integration with ingestion switched on (task users). */
  enabledOf(tenantId: TenantId, integrationUuid: string): Promise<{ instance_uuid: string; task_tag: string }[]> {
    return this.db.em.query(
      `SELECT g.instance_uuid, g.task_tag FROM instance_ingestion g
         JOIN integration_instances i ON i.id = g.instance_uuid AND i.deleted_at IS NULL
        WHERE g.tenant_id = $1 AND g.integration_uuid = $2 AND g.enabled ORDER BY g.instance_uuid`,
      [tenantId, integrationUuid],
    ) as Promise<{ instance_uuid: string; task_tag: string }[]>;
  }
}
