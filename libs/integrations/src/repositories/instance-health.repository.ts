// The SQL of instance health, in the caller's tenant transaction: claiming due scheduled checks (one worker per
// interval: the claim moves next_health_check_at forward in the same statement, skipping rows another worker holds)
// and recording a result with the verdict it leads to, returning the transition so its event is published in the same
// transaction (each transition once).
import { Injectable } from '@nestjs/common';
import { TenantContext, returnedRows } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import {
  DEFAULT_HEALTH_FAILURE_THRESHOLD,
  HealthResult,
  HealthStatus,
  InstanceEntity,
} from '../entities/instance.entity';

export type HealthTransition = 'unhealthy' | 'recovered' | null;

export interface RecordedHealth {
  transition: HealthTransition;
  health_status: HealthStatus;
  health_failures: number;
  status: string;
}

@Injectable()
export class InstanceHealthRepository {
  constructor(private readonly db: TenantContext) {}

  /** Due checks of the tenant (active or error instances), each pushed one interval ahead as it is taken. */
  async claimDue(tenantId: TenantId, limit: number): Promise<{ id: string }[]> {
    const rows = (await this.db.em.query(
      `UPDATE integration_instances i
          SET next_health_check_at = now() + make_interval(secs => (i.health_check->>'interval_seconds')::int)
        WHERE i.id IN (
          SELECT id FROM integration_instances
           WHERE tenant_id = $1 AND deleted_at IS NULL AND health_check IS NOT NULL
             AND next_health_check_at <= now() AND status IN ('active', 'error')
           ORDER BY next_health_check_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING i.id`,
      [tenantId, limit],
    )) as unknown;
    return returnedRows<{ id: string }>(rows);
  }

  /**
   * Records a check's result: failures counted, the verdict moved (unhealthy once failures reach the threshold,
   * healthy on a success), the instance's status error while unhealthy and active again on recovery (an inactive or
   * maintenance instance keeps its status). Null when the instance is gone.
   */
  async record(tenantId: TenantId, instance: InstanceEntity, result: HealthResult): Promise<RecordedHealth | null> {
    const threshold = instance.health_check?.failure_threshold ?? DEFAULT_HEALTH_FAILURE_THRESHOLD;
    const rows = (await this.db.em.query(
      `WITH before AS (
         SELECT id, health_status FROM integration_instances
          WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE
       )
       UPDATE integration_instances i
          SET last_health_check = $3::timestamptz, last_health_result = $4::jsonb,
              health_failures = CASE WHEN $5::boolean THEN 0 ELSE i.health_failures + 1 END,
              health_status = CASE WHEN $5::boolean THEN 'healthy'
                                   WHEN i.health_failures + 1 >= $6::int THEN 'unhealthy'
                                   ELSE i.health_status END,
              status = CASE WHEN $5::boolean AND i.status = 'error' THEN 'active'
                            WHEN NOT $5::boolean AND i.health_failures + 1 >= $6::int AND i.status = 'active' THEN 'error'
                            ELSE i.status END,
              updated_at = now()
         FROM before b
        WHERE i.id = b.id
        RETURNING b.health_status AS was, i.health_status, i.health_failures, i.status`,
      [tenantId, instance.id, result.checked_at, JSON.stringify(result), result.ok, threshold],
    )) as unknown;
    const row = returnedRows<{
      was: HealthStatus;
      health_status: HealthStatus;
      health_failures: number;
      status: string;
    }>(rows)[0];
    if (!row) return null;
    const transition: HealthTransition =
      row.was !== 'unhealthy' && row.health_status === 'unhealthy'
        ? 'unhealthy'
        : row.was === 'unhealthy' && row.health_status === 'healthy'
          ? 'recovered'
          : null;
    return { transition, health_status: row.health_status, health_failures: row.health_failures, status: row.status };
  }
}
