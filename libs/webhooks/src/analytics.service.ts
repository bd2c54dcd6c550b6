// Delivery analytics per subscription and window (seed 000 "Monitoring & Analytics"), computed in SQL.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, assertTimeWindow } from '@conduit/platform';
import { DeliveryAnalyticsQueryDto, DeliveryAnalyticsResponse, SubscriptionDeliveryStats } from './dto/analytics.dto';

const DAY_MS = 24 * 3600 * 1000;
const MAX_WINDOW_DAYS = 93;

interface StatsRow {
  subscription_id: string;
  app_name: string;
  deliveries: number;
  delivered: number;
  failed: number;
  in_flight: number;
  attempts: number;
  p50: number | null;
  p95: number | null;
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
    const params = [tenantId, since, until, query.subscription_id ?? null];
    const rows = (await this.db.em.query(
      `WITH d AS (
         SELECT d.* FROM webhook_deliveries d
          WHERE d.tenant_id = $1 AND d.created_at >= $2 AND d.created_at < $3 AND ($4::uuid IS NULL OR d.subscription_id = $4)
       ), a AS (
         SELECT d.subscription_id, at.duration_ms FROM webhook_delivery_attempts at JOIN d ON d.id = at.delivery_id
          WHERE at.tenant_id = $1
       )
       SELECT s.id AS subscription_id, s.app_name,
              count(d.id)::int AS deliveries,
              count(d.id) FILTER (WHERE d.status = 'delivered')::int AS delivered,
              count(d.id) FILTER (WHERE d.status = 'failed')::int AS failed,
              count(d.id) FILTER (WHERE d.status IN ('pending', 'delivering'))::int AS in_flight,
              coalesce(sum(d.attempt_count), 0)::int AS attempts,
              (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FROM a WHERE a.subscription_id = s.id) AS p50,
              (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FROM a WHERE a.subscription_id = s.id) AS p95
         FROM webhook_subscriptions s JOIN d ON d.subscription_id = s.id
        WHERE s.tenant_id = $1
        GROUP BY s.id, s.app_name
        ORDER BY deliveries DESC, s.id`,
      params,
    )) as StatsRow[];
    const errors = (await this.db.em.query(
      `SELECT d.subscription_id, at.error_class, count(*)::int AS count
         FROM webhook_delivery_attempts at JOIN webhook_deliveries d ON d.id = at.delivery_id
        WHERE at.tenant_id = $1 AND d.created_at >= $2 AND d.created_at < $3 AND ($4::uuid IS NULL OR d.subscription_id = $4)
          AND at.error_class IS NOT NULL
        GROUP BY d.subscription_id, at.error_class
        ORDER BY count DESC`,
      params,
    )) as { subscription_id: string; error_class: string; count: number }[];
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
        latency_p50_ms: r.p50 === null ? null : Math.round(Number(r.p50)),
        latency_p95_ms: r.p95 === null ? null : Math.round(Number(r.p95)),
        attempts_per_delivery: r.deliveries > 0 ? Number((r.attempts / r.deliveries).toFixed(2)) : null,
        top_error_classes: errors
          .filter((e) => e.subscription_id === r.subscription_id)
          .slice(0, 5)
          .map((e) => ({ error_class: e.error_class, count: e.count })),
      };
    });
    return { since: since.toISOString(), until: until.toISOString(), data };
  }
}
