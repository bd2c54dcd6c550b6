// Delivery analytics per subscription and window (seed 000 "Monitoring & Analytics"), computed in SQL.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, assertTimeWindow } from '@conduit/platform';
import { DeliveryAnalyticsQueryDto, DeliveryAnalyticsResponse, SubscriptionDeliveryStats } from './dto/analytics.dto';

const DAY_MS = 24 * 3600 * 1000;
const MAX_WINDOW_DAYS = 93;
const TOP_ERROR_CLASSES = 5;
const CLOCK_SLACK_MS = 3600 * 1000;

interface StatsRow {
  subscription_id: string;
  app_name: string;
  deliveries: number;
  delivered: number;
  failed: number;
  in_flight: number;
  attempts: number;
  /** [p50, p95] of attempt durations; null without attempts. */
  latency: number[] | null;
  top_errors: { error_class: string; count: number }[];
}

/**
 * One statement, one pass over the window: the window's deliveries come from (tenant_id, created_at) and are read
 * once (MATERIALIZED); their attempts are read once for both the latency percentiles and the error classes, from
 * covering indexes (AnalyticsIndexes1763970000000), never by scanning every attempt of the tenant. $5, when set,
 * reads the attempts by time instead of by delivery (see attemptsSince).
 */
const STATS_SQL = `
  WITH d AS MATERIALIZED (
    SELECT id, subscription_id, status, attempt_count FROM webhook_deliveries
     WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND ($4::uuid IS NULL OR subscription_id = $4)
  ), per_subscription AS (
    SELECT subscription_id,
           count(*)::int AS deliveries,
           count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
           count(*) FILTER (WHERE status = 'failed')::int AS failed,
           count(*) FILTER (WHERE status IN ('pending', 'delivering'))::int AS in_flight,
           sum(attempt_count)::int AS attempts
      FROM d GROUP BY subscription_id
  ), a AS MATERIALIZED (
    SELECT d.subscription_id, at.duration_ms, at.error_class
      FROM d JOIN webhook_delivery_attempts at ON at.tenant_id = $1 AND at.delivery_id = d.id AND ($5::timestamptz IS NULL OR at.created_at >= $5)
  ), latency AS (
    SELECT subscription_id, percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY duration_ms) AS latency
      FROM a GROUP BY subscription_id
  ), errors AS (
    SELECT subscription_id, error_class, count(*)::int AS count,
           row_number() OVER (PARTITION BY subscription_id ORDER BY count(*) DESC, error_class) AS rank
      FROM a WHERE error_class IS NOT NULL GROUP BY subscription_id, error_class
  ), top_errors AS (
    SELECT subscription_id, json_agg(json_build_object('error_class', error_class, 'count', count) ORDER BY rank) AS top_errors
      FROM errors WHERE rank <= ${TOP_ERROR_CLASSES} GROUP BY subscription_id
  )
  SELECT s.id AS subscription_id, s.app_name, p.deliveries, p.delivered, p.failed, p.in_flight, p.attempts, l.latency,
         coalesce(e.top_errors, '[]') AS top_errors
    FROM per_subscription p
    JOIN webhook_subscriptions s ON s.id = p.subscription_id AND s.tenant_id = $1
    LEFT JOIN latency l ON l.subscription_id = p.subscription_id
    LEFT JOIN top_errors e ON e.subscription_id = p.subscription_id
   ORDER BY p.deliveries DESC, s.id`;

/**
 * An attempt is made after its delivery, so the attempts of the window's deliveries were all made since `since`
 * (less CLOCK_SLACK_MS: a delivery's created_at comes from the API's clock, an attempt's from the database's).
 * When that range is not much longer than the window (the usual window, ending now), they are read as one range of
 * (tenant_id, created_at); for an older window, where it would hold everything made since, they are found by
 * delivery (null). Either way the result is the same.
 */
function attemptsSince(since: Date, until: Date, now: Date): Date | null {
  const byTime = now.getTime() - since.getTime() <= 2 * (until.getTime() - since.getTime());
  return byTime ? new Date(since.getTime() - CLOCK_SLACK_MS) : null;
}

@Injectable()
export class AnalyticsService {
  constructor(
    private readonly db: TenantContext,
    private readonly access: AccessService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: ConduitConfig,
  ) {}

  async deliveries(query: DeliveryAnalyticsQueryDto): Promise<DeliveryAnalyticsResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Delivery', { tenant_id: tenantId });
    const until = query.until ?? this.clock.now();
    const since = query.since ?? new Date(until.getTime() - DAY_MS);
    assertTimeWindow(since, until, MAX_WINDOW_DAYS);
    // Analytics over a wide window may take longer than a request's statement_timeout; they get their own budget.
    await this.db.setLocalStatementTimeout(this.config.ANALYTICS_STATEMENT_TIMEOUT_MS);
    const params = [
      tenantId,
      since,
      until,
      query.subscription_id ?? null,
      attemptsSince(since, until, this.clock.now()),
    ];
    const rows = (await this.db.em.query(STATS_SQL, params)) as StatsRow[];
    const data: SubscriptionDeliveryStats[] = rows.map((r) => {
      const finished = r.delivered + r.failed;
      return {
        subscription_id: r.subscription_id,
        app_name: r.app_name,
        deliveries: r.deliveries,
        delivered: r.delivered,
        failed: r.failed,
        in_flight: r.in_flight,
        success_rate: finished > 0 ? Number((r.delivered / finished).toFixed(4)) : null,
        latency_p50_ms: r.latency === null ? null : Math.round(r.latency[0]),
        latency_p95_ms: r.latency === null ? null : Math.round(r.latency[1]),
        attempts_per_delivery: r.deliveries > 0 ? Number((r.attempts / r.deliveries).toFixed(2)) : null,
        top_error_classes: r.top_errors,
      };
    });
    return { since: since.toISOString(), until: until.toISOString(), data };
  }
}
