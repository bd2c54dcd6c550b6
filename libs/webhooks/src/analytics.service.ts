// Delivery analytics per subscription and window (seed 000 "Monitoring & Analytics"): the window's hourly and daily
// rollups where the worker has them, its other parts counted live (DeliveryRollupSource), added up here.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import {
  ANALYTICS_MAX_WINDOW_DAYS,
  AnalyticsRollups,
  TenantContext,
  count,
  counts,
  histogramPercentiles,
  topCounts,
} from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, assertTimeWindow } from '@conduit/platform';
import { DeliveryRollupSource } from './repositories/delivery-rollup-source';
import { SubscriptionsRepository } from './repositories/subscriptions.repository';
import { DeliveryAnalyticsQueryDto, DeliveryAnalyticsResponse, SubscriptionDeliveryStats } from './dto/analytics.dto';

const DAY_MS = 24 * 3600 * 1000;
const TOP_ERROR_CLASSES = 5;

@Injectable()
export class AnalyticsService {
  constructor(
    private readonly db: TenantContext,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly access: AccessService,
    private readonly clock: Clock,
    private readonly rollups: AnalyticsRollups,
    private readonly stats: DeliveryRollupSource,
    @InjectConfig() private readonly config: ConduitConfig,
  ) {}

  async deliveries(query: DeliveryAnalyticsQueryDto): Promise<DeliveryAnalyticsResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Delivery', { tenant_id: tenantId });
    const until = query.until ?? this.clock.now();
    const since = query.since ?? new Date(until.getTime() - DAY_MS);
    assertTimeWindow(since, until, ANALYTICS_MAX_WINDOW_DAYS);
    // Analytics over a wide window may take longer than a request's statement_timeout; they get their own budget.
    await this.db.setLocalStatementTimeout(this.config.ANALYTICS_STATEMENT_TIMEOUT_MS);
    const figures = await this.rollups.window(this.stats, tenantId, since, until, query.subscription_id ?? null);
    const names = await this.subscriptions.names(tenantId, [...figures.keys()]);
    const data: SubscriptionDeliveryStats[] = names.map(({ id, app_name }) => {
      const f = figures.get(id) ?? {};
      const [deliveries, delivered, failed] = [count(f, 'deliveries'), count(f, 'delivered'), count(f, 'failed')];
      const [p50, p95] = histogramPercentiles(counts(f, 'latency'), [0.5, 0.95]);
      return {
        subscription_id: id,
        app_name,
        deliveries,
        delivered,
        failed,
        in_flight: count(f, 'in_flight'),
        success_rate: delivered + failed > 0 ? Number((delivered / (delivered + failed)).toFixed(4)) : null,
        latency_p50_ms: p50 === null ? null : Math.round(p50),
        latency_p95_ms: p95 === null ? null : Math.round(p95),
        attempts_per_delivery: deliveries > 0 ? Number((count(f, 'attempts') / deliveries).toFixed(2)) : null,
        top_error_classes: topCounts(counts(f, 'errors'), TOP_ERROR_CLASSES).map(({ label, count: n }) => ({
          error_class: label,
          count: n,
        })),
      };
    });
    data.sort((a, b) => b.deliveries - a.deliveries || (a.subscription_id < b.subscription_id ? -1 : 1));
    return { since: since.toISOString(), until: until.toISOString(), data };
  }
}
