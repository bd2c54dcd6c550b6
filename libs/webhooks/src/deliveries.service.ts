import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { AnalyticsRollups, TenantContext } from '@conduit/database';
import {
  assertTimeWindow,
  Clock,
  CommonException,
  decodeCursor,
  isUuid,
  Page,
  TenantId,
  toPage,
} from '@conduit/platform';
import { DeliveryScheduler } from './delivery-scheduler';
import { DeliveryDetailResponse, DeliveryResponse, ListDeliveriesQueryDto, RecoverResponse } from './dto/event.dto';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { SubscriptionEntity } from './entities/subscription.entity';
import { presentAttempt, presentDelivery } from './presenters';
import { SubscriptionsService } from './subscriptions.service';
import { WebhookException, subscriptionDisabled } from './webhook.exception';

type DeliveryRow = DeliveryEntity & { event_name: string };

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly db: TenantContext,
    private readonly access: AccessService,
    private readonly subscriptions: SubscriptionsService,
    private readonly scheduler: DeliveryScheduler,
    private readonly clock: Clock,
    private readonly rollups: AnalyticsRollups,
  ) {}

  async list(query: ListDeliveriesQueryDto): Promise<Page<DeliveryResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Delivery', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const qb = this.rows(tenantId)
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(limit + 1);
    if (query.status) qb.andWhere('d.status = :status', { status: query.status });
    if (query.subscription_id) qb.andWhere('d.subscription_id = :sub', { sub: query.subscription_id });
    if (query.event_id) qb.andWhere('d.event_id = :event', { event: query.event_id });
    assertTimeWindow(query.since, query.until);
    if (query.since) qb.andWhere('d.created_at >= :since', { since: query.since });
    if (query.until) qb.andWhere('d.created_at < :until', { until: query.until });
    if (cursor) qb.andWhere('(d.created_at, d.id) < (:ca, :cid)', { ca: cursor.created_at, cid: cursor.id });
    const { entities, raw } = await qb.getRawAndEntities<{ event_name: string }>();
    // One event per delivery: raw rows line up with entities.
    const rows: DeliveryRow[] = entities.map((d, i) => ({ ...d, event_name: raw[i]?.event_name ?? '' }));
    return toPage(rows, limit, presentDelivery);
  }

  async get(id: string): Promise<DeliveryDetailResponse> {
    const delivery = await this.load(id, 'read');
    const attempts = await this.db.em
      .getRepository(DeliveryAttemptEntity)
      .find({ where: { delivery_id: delivery.id, tenant_id: delivery.tenant_id }, order: { attempt_number: 'ASC' } });
    return { ...presentDelivery(delivery), attempts: attempts.map(presentAttempt) };
  }

  /** One more attempt now, for a delivery that has finished (failed, cancelled, or delivered: a replay). */
  async retry(id: string): Promise<DeliveryResponse> {
    const delivery = await this.load(id, 'update');
    if (delivery.status === 'pending' || delivery.status === 'delivering') {
      throw new WebhookException('delivery_in_progress', 'This delivery is still being attempted');
    }
    await this.assertSubscriptionSends(delivery.subscription_id);
    const now = this.clock.now();
    await this.db.em
      .getRepository(DeliveryEntity)
      .update(
        { id: delivery.id },
        { status: 'pending', next_attempt_at: now, lease_expires_at: null, updated_at: now },
      );
    // Its hour may be rolled up already: analytics count it live until the worker rolls that hour up again.
    await this.rollups.markStale('deliveries', delivery.tenant_id, [delivery.created_at]);
    const attempt = delivery.attempt_count + 1;
    this.db.afterCommit(() =>
      this.scheduler.enqueue([{ tenantId: delivery.tenant_id, deliveryId: delivery.id, attempt }]),
    );
    return presentDelivery({ ...delivery, status: 'pending', next_attempt_at: now, updated_at: now });
  }

  /** Re-sends every failed delivery of a subscription created since a time. */
  async recover(subscriptionId: string, since: Date): Promise<RecoverResponse> {
    const sub = await this.subscriptions.load(subscriptionId, 'update');
    this.access.assert('update', 'Delivery', { tenant_id: sub.tenant_id });
    const now = this.clock.now();
    if (since.getTime() > now.getTime()) {
      throw CommonException.validation('since must not be in the future', [
        { field: 'since', message: 'in the future' },
      ]);
    }
    if (!sub.is_active) throw subscriptionDisabled(sub.disabled_reason);
    const rows = (await this.db.em.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, lease_expires_at = NULL, updated_at = $3
        WHERE tenant_id = $1 AND subscription_id = $2 AND status = 'failed' AND created_at >= $4
        RETURNING id, attempt_count, created_at`,
      [sub.tenant_id, sub.id, now, since],
    )) as [{ id: string; attempt_count: number; created_at: Date }[], number];
    const updated = rows[0];
    await this.rollups.markStale(
      'deliveries',
      sub.tenant_id,
      updated.map((r) => r.created_at),
    );
    this.db.afterCommit(() =>
      this.scheduler.enqueue(
        updated.map((r) => ({ tenantId: sub.tenant_id, deliveryId: r.id, attempt: r.attempt_count + 1 })),
      ),
    );
    return { recovered: updated.length };
  }

  /**
   * A delivery is only worth queueing again when its subscription would send it (else the worker cancels it at once).
   */
  private async assertSubscriptionSends(subscriptionId: string): Promise<void> {
    const sub = await this.db.em.getRepository(SubscriptionEntity).findOne({ where: { id: subscriptionId } });
    if (!sub || sub.deleted_at)
      throw new WebhookException('subscription_deleted', 'The subscription of this delivery was deleted');
    if (!sub.is_active) throw subscriptionDisabled(sub.disabled_reason);
  }

  private rows(tenantId: TenantId) {
    return this.db.em
      .getRepository(DeliveryEntity)
      .createQueryBuilder('d')
      .innerJoin('webhook_events', 'e', 'e.id = d.event_id')
      .addSelect('e.event_name', 'event_name')
      .where('d.tenant_id = :tenantId', { tenantId });
  }

  private async load(id: string, action: 'read' | 'update'): Promise<DeliveryRow> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'Delivery', { tenant_id: tenantId }, 'delivery_not_found');
    if (!isUuid(id)) throw new WebhookException('delivery_not_found', 'Delivery not found');
    const { entities, raw } = await this.rows(tenantId)
      .andWhere('d.id = :id', { id })
      .getRawAndEntities<{ event_name: string }>();
    const [delivery] = entities;
    if (!delivery) throw new WebhookException('delivery_not_found', 'Delivery not found');
    return { ...delivery, event_name: raw[0]?.event_name ?? '' };
  }
}
