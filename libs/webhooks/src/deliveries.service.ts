import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { AnalyticsRollups, TenantContext } from '@conduit/database';
import {
  Clock,
  CommonException,
  Page,
  TenantId,
  assertTimeWindow,
  decodeCursor,
  isUuid,
  toPage,
} from '@conduit/platform';
import { DeliveryScheduler } from './delivery-scheduler';
import { DeliveryDetailResponse, DeliveryResponse, ListDeliveriesQueryDto, RecoverResponse } from './dto/event.dto';
import { presentAttempt, presentDelivery } from './presenters';
import { DeliveriesRepository, DeliveryRow } from './repositories/deliveries.repository';
import { SubscriptionsRepository } from './repositories/subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';
import { WebhookException, subscriptionDisabled } from './webhook.exception';

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly db: TenantContext,
    private readonly deliveries: DeliveriesRepository,
    private readonly subscriptionRows: SubscriptionsRepository,
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
    assertTimeWindow(query.since, query.until);
    return toPage(await this.deliveries.page(tenantId, query, { limit, cursor }), limit, presentDelivery);
  }

  async get(id: string): Promise<DeliveryDetailResponse> {
    const delivery = await this.load(id, 'read');
    const attempts = await this.deliveries.attempts(delivery.tenant_id, delivery.id);
    return { ...presentDelivery(delivery), attempts: attempts.map(presentAttempt) };
  }

  /**
   * One more attempt now: for a delivery that has finished (failed, cancelled, or delivered: a replay), or one waiting
   * for its next attempt (a retry's backoff, or a lease its worker left to expire), which is then sent now instead of
   * when due. 409 delivery_in_progress only while an attempt is in flight (leased).
   */
  async retry(id: string): Promise<DeliveryResponse> {
    const delivery = await this.load(id, 'update');
    await this.assertSubscriptionSends(delivery.tenant_id, delivery.subscription_id);
    if (delivery.status === 'pending' || delivery.status === 'delivering') return this.sendNow(delivery);
    const now = this.clock.now();
    await this.deliveries.requeue(delivery.tenant_id, delivery.id, now);
    // Its hour may be rolled up already: analytics count it live until the worker rolls that hour up again.
    await this.rollups.markStale('deliveries', delivery.tenant_id, [delivery.created_at]);
    const attempt = delivery.attempt_count + 1;
    this.db.afterCommit(() =>
      this.scheduler.enqueue([{ tenantId: delivery.tenant_id, deliveryId: delivery.id, attempt }]),
    );
    return presentDelivery({ ...delivery, status: 'pending', next_attempt_at: now, updated_at: now });
  }

  /** The attempt a delivery waits for, now: unless one is in flight (leased, and the lease still runs). */
  private async sendNow(delivery: DeliveryRow): Promise<DeliveryResponse> {
    const now = this.clock.now();
    if (!(await this.deliveries.dueNow(delivery.tenant_id, delivery.id, now))) {
      throw new WebhookException('delivery_in_progress', 'An attempt of this delivery is in flight; see its outcome');
    }
    const attempt = { tenantId: delivery.tenant_id, deliveryId: delivery.id, attempt: delivery.attempt_count + 1 };
    this.db.afterCommit(() => this.scheduler.expedite(attempt));
    return presentDelivery({
      ...delivery,
      status: 'pending',
      next_attempt_at: now,
      lease_expires_at: null,
      updated_at: now,
    });
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
    const updated = await this.deliveries.requeueFailed(sub.tenant_id, sub.id, since, now);
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
  private async assertSubscriptionSends(tenantId: TenantId, subscriptionId: string): Promise<void> {
    const sub = await this.subscriptionRows.find(tenantId, subscriptionId);
    if (!sub || sub.deleted_at)
      throw new WebhookException('subscription_deleted', 'The subscription of this delivery was deleted');
    if (!sub.is_active) throw subscriptionDisabled(sub.disabled_reason);
  }

  private async load(id: string, action: 'read' | 'update'): Promise<DeliveryRow> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'Delivery', { tenant_id: tenantId }, 'delivery_not_found');
    if (!isUuid(id)) throw new WebhookException('delivery_not_found', 'Delivery not found');
    const delivery = await this.deliveries.find(tenantId, id);
    if (!delivery) throw new WebhookException('delivery_not_found', 'Delivery not found');
    return delivery;
  }
}
