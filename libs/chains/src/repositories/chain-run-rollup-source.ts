// How chain analytics are counted from the rows: per chain (and per hour, for the rollups), the figures of the runs
// created in some time ranges. The API counts a window's live parts with it, the worker its hourly rollups
// (libs/database/src/rollups).
import { Injectable } from '@nestjs/common';
import {
  AnalyticsRollupSource,
  Range,
  RollupCountOptions,
  RollupRow,
  RollupSource,
  TenantContext,
  durationBucketSql,
  rangesSql,
} from '@conduit/database';
import type { TenantId } from '@conduit/platform';

/**
 * date_part, not extract: extract returns numeric, whose arithmetic over a day of runs costs more than the scan.
 * Failed step runs come from execution_chain_step_runs_failed_idx (AnalyticsIndexes1763970000000), not a scan of every
 * step run of the tenant. A failed step is labelled by [step_order, name] (JSON), as failures_by_step reports it.
 * `created` matches the ranges (rangesSql).
 */
const countSql = (created: string) => `
  WITH r AS MATERIALIZED (
    SELECT cr.id, cr.chain_id, cr.status,
           CASE WHEN $3::boolean THEN date_trunc('hour', cr.created_at, 'UTC') END AS period,
           CASE WHEN cr.status = 'completed' THEN date_part('epoch', cr.completed_at - cr.started_at) * 1000 END AS ms
      FROM execution_chain_runs cr
     WHERE cr.tenant_id = $1 AND ${created} AND ($2::uuid IS NULL OR cr.chain_id = $2)
  ), per_key AS (
    SELECT chain_id, period,
           count(*)::int AS runs,
           count(*) FILTER (WHERE status = 'completed')::int AS completed,
           count(*) FILTER (WHERE status = 'failed')::int AS failed,
           count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
           count(*) FILTER (WHERE status IN ('pending', 'running', 'paused'))::int AS in_flight,
           coalesce(sum(ms), 0)::float8 AS duration_sum_ms,
           count(ms)::int AS timed
      FROM r GROUP BY chain_id, period
  ), durations AS (
    SELECT chain_id, period, jsonb_object_agg(bucket, n) AS durations
      FROM (SELECT chain_id, period, ${durationBucketSql('ms')} AS bucket, count(*)::int AS n
              FROM r WHERE ms IS NOT NULL GROUP BY 1, 2, 3) x
     GROUP BY chain_id, period
  ), failures AS (
    SELECT chain_id, period, jsonb_object_agg(label, n) AS failures
      FROM (SELECT r.chain_id, r.period, json_build_array(sr.step_order, sr.name)::text AS label, count(*)::int AS n
              FROM r JOIN execution_chain_step_runs sr ON sr.tenant_id = $1 AND sr.run_id = r.id
               AND sr.kind = 'step' AND sr.status = 'failed'
             GROUP BY 1, 2, 3) x
     GROUP BY chain_id, period
  )
  SELECT p.chain_id AS key_id, p.period, p.in_flight,
         jsonb_build_object('runs', p.runs, 'completed', p.completed, 'failed', p.failed, 'cancelled', p.cancelled,
                            'in_flight', p.in_flight, 'duration_sum_ms', p.duration_sum_ms, 'timed', p.timed,
                            'durations', coalesce(d.durations, '{}'), 'step_failures', coalesce(f.failures, '{}')) AS stats
    FROM per_key p
    LEFT JOIN durations d ON d.chain_id = p.chain_id AND d.period IS NOT DISTINCT FROM p.period
    LEFT JOIN failures f ON f.chain_id = p.chain_id AND f.period IS NOT DISTINCT FROM p.period`;

@Injectable()
@AnalyticsRollupSource()
export class ChainRunRollupSource implements RollupSource {
  readonly kind = 'chain_runs' as const;
  readonly table = 'execution_chain_runs';

  constructor(private readonly db: TenantContext) {}

  async count(tenantId: TenantId, ranges: readonly Range[], { byHour, keyId }: RollupCountOptions) {
    const params: unknown[] = [tenantId, keyId, byHour];
    return (await this.db.em.query(countSql(rangesSql('cr.created_at', ranges, params)), params)) as RollupRow[];
  }
}
