// How delivery analytics are counted from the rows: per subscription (and per hour, for the rollups), the figures of
// the deliveries created in some time ranges and of their attempts. The API counts a window's live parts with it,
// the worker its hourly rollups, so both add up the same figures (libs/database/src/rollups).
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
 * One statement, one pass: the ranges' deliveries come from (tenant_id, created_at) and are read once
 * (MATERIALIZED); their attempts are read once for both the latency histogram and the error classes, from covering
 * indexes (AnalyticsIndexes1763970000000), never by scanning every attempt of the tenant. $4, when set, reads the
 * attempts by time instead of by delivery (see attemptsSince). `created` matches the ranges (rangesSql).
 */
const countSql = (created: string) => `
  WITH d AS MATERIALIZED (
    SELECT wd.id, wd.subscription_id, wd.status, wd.attempt_count,
           CASE WHEN $3::boolean THEN date_trunc('hour', wd.created_at, 'UTC') END AS period
      FROM webhook_deliveries wd
     WHERE wd.tenant_id = $1 AND ${created} AND ($2::uuid IS NULL OR wd.subscription_id = $2)
  ), per_key AS (
    SELECT subscription_id, period,
           count(*)::int AS deliveries,
           count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
           count(*) FILTER (WHERE status = 'failed')::int AS failed,
           count(*) FILTER (WHERE status IN ('pending', 'delivering'))::int AS in_flight,
           sum(attempt_count)::int AS attempts
      FROM d GROUP BY subscription_id, period
  ), a AS MATERIALIZED (
    SELECT d.subscription_id, d.period, ${durationBucketSql('at.duration_ms')} AS bucket, at.error_class
      FROM d JOIN webhook_delivery_attempts at ON at.tenant_id = $1 AND at.delivery_id = d.id
       AND ($4::timestamptz IS NULL OR at.created_at >= $4)
  ), latency AS (
    SELECT subscription_id, period, jsonb_object_agg(bucket, n) AS latency
      FROM (SELECT subscription_id, period, bucket, count(*)::int AS n FROM a GROUP BY 1, 2, 3) x
     GROUP BY subscription_id, period
  ), errors AS (
    SELECT subscription_id, period, jsonb_object_agg(error_class, n) AS errors
      FROM (SELECT subscription_id, period, error_class, count(*)::int AS n FROM a WHERE error_class IS NOT NULL GROUP BY 1, 2, 3) x
     GROUP BY subscription_id, period
  )
  SELECT p.subscription_id AS key_id, p.period, p.in_flight,
         jsonb_build_object('deliveries', p.deliveries, 'delivered', p.delivered, 'failed', p.failed,
                            'in_flight', p.in_flight, 'attempts', p.attempts,
                            'latency', coalesce(l.latency, '{}'), 'errors', coalesce(e.errors, '{}')) AS stats
    FROM per_key p
    LEFT JOIN latency l ON l.subscription_id = p.subscription_id AND l.period IS NOT DISTINCT FROM p.period
    LEFT JOIN errors e ON e.subscription_id = p.subscription_id AND e.period IS NOT DISTINCT FROM p.period`;

/** An attempt is stamped by the database's clock, its delivery by the API's: they may differ by this much. */
const CLOCK_SLACK_MS = 3600 * 1000;

/**
 * An attempt is made after its delivery, so the attempts of the ranges' deliveries were all made since the first
 * range's start (less CLOCK_SLACK_MS). When that is not much longer than the ranges themselves (a window ending now),
 * they are read as one range of (tenant_id, created_at); otherwise (an older window, or a month's window whose live
 * parts are its two ends) they are found by delivery (null). Either way the result is the same.
 */
export function attemptsSince(ranges: readonly Range[], now: Date): Date | null {
  const first = Math.min(...ranges.map(([lo]) => lo.getTime()));
  const covered = ranges.reduce((sum, [lo, hi]) => sum + (hi.getTime() - lo.getTime()), 0);
  return now.getTime() - first <= 2 * covered ? new Date(first - CLOCK_SLACK_MS) : null;
}

@Injectable()
@AnalyticsRollupSource()
export class DeliveryRollupSource implements RollupSource {
  readonly kind = 'deliveries' as const;
  readonly table = 'webhook_deliveries';

  constructor(private readonly db: TenantContext) {}

  async count(tenantId: TenantId, ranges: readonly Range[], { byHour, keyId, now }: RollupCountOptions) {
    const params: unknown[] = [tenantId, keyId, byHour, attemptsSince(ranges, now)];
    const sql = countSql(rangesSql('wd.created_at', ranges, params));
    return (await this.db.em.query(sql, params)) as RollupRow[];
  }
}
