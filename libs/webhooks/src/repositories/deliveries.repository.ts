// The SQL over webhook_deliveries and their attempts that the API and the reconciler run, in the caller's transaction.
// The delivery engine's claims and records are in DeliveryStore; new deliveries are written with their event
// (EventsRepository.insertWithDeliveries).
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, newestFirst, withJoinedText, within } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { DeliveryAttemptEntity } from '../entities/delivery-attempt.entity';
import { DeliveryEntity, DeliveryStatus } from '../entities/delivery.entity';

/** A delivery with its event's name. */
export type DeliveryRow = DeliveryEntity & { event_name: string };

export interface DeliveryFilter {
  status?: DeliveryStatus;
  subscription_id?: string;
  event_id?: string;
  since?: Date;
  until?: Date;
}

/** A delivery queued again: its next attempt's number comes from attempt_count. */
export interface RequeuedDelivery {
  id: string;
  attempt_count: number;
  created_at: Date;
}

@Injectable()
export class DeliveriesRepository {
  constructor(private readonly db: TenantContext) {}

  page(tenantId: TenantId, filter: DeliveryFilter, page: PageRequest): Promise<DeliveryRow[]> {
    const qb = this.withEventName(tenantId);
    if (filter.status) qb.andWhere('d.status = :status', { status: filter.status });
    if (filter.subscription_id) qb.andWhere('d.subscription_id = :sub', { sub: filter.subscription_id });
    if (filter.event_id) qb.andWhere('d.event_id = :event', { event: filter.event_id });
    return withJoinedText(newestFirst(within(qb, 'd', filter), 'd', page), 'event_name');
  }

  async find(tenantId: TenantId, id: string): Promise<DeliveryRow | null> {
    const [delivery] = await withJoinedText(this.withEventName(tenantId).andWhere('d.id = :id', { id }), 'event_name');
    return delivery ?? null;
  }

  /** An event's deliveries, oldest first. */
  ofEvent(tenantId: TenantId, eventId: string): Promise<DeliveryEntity[]> {
    return this.db.em
      .getRepository(DeliveryEntity)
      .find({ where: { event_id: eventId, tenant_id: tenantId }, order: { created_at: 'ASC', id: 'ASC' } });
  }

  attempts(tenantId: TenantId, deliveryId: string): Promise<DeliveryAttemptEntity[]> {
    return this.db.em
      .getRepository(DeliveryAttemptEntity)
      .find({ where: { delivery_id: deliveryId, tenant_id: tenantId }, order: { attempt_number: 'ASC' } });
  }

  /**
   * Makes a waiting delivery due now (false when an attempt is in flight under a live lease). An expired lease is taken
   * back, as a claim would: its holder's late record is refused (it no longer holds it).
   */
  async dueNow(tenantId: TenantId, id: string, now: Date): Promise<boolean> {
    const [rows] = (await this.db.em.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, lease_expires_at = NULL, updated_at = $3
        WHERE tenant_id = $1 AND id = $2 AND (status = 'pending' OR (status = 'delivering' AND lease_expires_at < now()))
        RETURNING id`,
      [tenantId, id, now],
    )) as [{ id: string }[], number];
    return rows.length > 0;
  }

  /** Makes a finished delivery pending again, due now. */
  async requeue(tenantId: TenantId, id: string, now: Date): Promise<void> {
    await this.db.em
      .getRepository(DeliveryEntity)
      .update(
        { id, tenant_id: tenantId },
        { status: 'pending', next_attempt_at: now, lease_expires_at: null, updated_at: now },
      );
  }

  /** Makes every failed delivery of a subscription created since `since` pending again, due now. */
  async requeueFailed(tenantId: TenantId, subscriptionId: string, since: Date, now: Date): Promise<RequeuedDelivery[]> {
    const rows = (await this.db.em.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, lease_expires_at = NULL, updated_at = $3
        WHERE tenant_id = $1 AND subscription_id = $2 AND status = 'failed' AND created_at >= $4
        RETURNING id, attempt_count, created_at`,
      [tenantId, subscriptionId, now, since],
    )) as [RequeuedDelivery[], number];
    return rows[0];
  }

  /**
   * The tenant's deliveries after afterId (in id order, at most limit) that are due but most likely not in flight:
   * pending for longer than graceSeconds past their time, or leased by a holder whose lease ran out.
   */
  async due(
    tenantId: TenantId,
    afterId: string,
    limit: number,
    graceSeconds: number,
  ): Promise<{ id: string; attempt_count: number }[]> {
    return (await this.db.em.query(
      `SELECT id, attempt_count FROM webhook_deliveries
        WHERE tenant_id = $1 AND id > $2
          AND ((status = 'pending' AND coalesce(next_attempt_at, created_at) <= now() - make_interval(secs => $4))
            OR (status = 'delivering' AND lease_expires_at < now()))
        ORDER BY id LIMIT $3`,
      [tenantId, afterId, limit, graceSeconds],
    )) as { id: string; attempt_count: number }[];
  }

  private withEventName(tenantId: TenantId) {
    return this.db.em
      .getRepository(DeliveryEntity)
      .createQueryBuilder('d')
      .innerJoin('webhook_events', 'e', 'e.id = d.event_id')
      .addSelect('e.event_name', 'event_name')
      .where('d.tenant_id = :tenantId', { tenantId });
  }
}
