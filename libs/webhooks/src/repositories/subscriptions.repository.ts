// The SQL over webhook_subscriptions that requests and publishing run, in the caller's transaction (RLS scopes it to
// the tenant set there; every method names that tenant too). The delivery engine's writes (failure counts, circuit,
// disabling) are in DeliveryStore.
import { Injectable } from '@nestjs/common';
import { In, IsNull } from 'typeorm';
import { PageRequest, TenantContext, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { SubscriptionEntity } from '../entities/subscription.entity';

/** What publishing needs of a subscription. */
export type FanOutTarget = Pick<SubscriptionEntity, 'id' | 'filter' | 'retry_schedule'>;

export interface SubscriptionFilter {
  /** subscriptions to any of these event types or patterns */
  eventPatterns?: string[];
  active?: boolean;
}

@Injectable()
export class SubscriptionsRepository {
  constructor(private readonly db: TenantContext) {}

  async insert(row: SubscriptionEntity): Promise<void> {
    await this.db.insert(SubscriptionEntity, row);
  }

  /** Live (not deleted) subscriptions, newest first. */
  page(tenantId: TenantId, filter: SubscriptionFilter, page: PageRequest): Promise<SubscriptionEntity[]> {
    const qb = this.repo()
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId AND s.deleted_at IS NULL', { tenantId });
    if (filter.eventPatterns) qb.andWhere('s.event_types && :patterns', { patterns: filter.eventPatterns });
    if (filter.active !== undefined) qb.andWhere('s.is_active = :active', { active: filter.active });
    return newestFirst(qb, 's', page).getMany();
  }

  /** The subscription, deleted or not. */
  find(tenantId: TenantId, id: string): Promise<SubscriptionEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  async update(tenantId: TenantId, id: string, changes: Partial<SubscriptionEntity>): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, changes as never);
  }

  /** Which of `ids` (uuids) are subscriptions of the tenant that are not deleted. */
  async liveIds(tenantId: TenantId, ids: string[]): Promise<string[]> {
    const rows = await this.repo().find({
      select: { id: true },
      where: { tenant_id: tenantId, id: In(ids), deleted_at: IsNull() },
    });
    return rows.map((r) => r.id);
  }

  /**
   * Active subscriptions to any of `patterns` (an event name's matching patterns), before their filters: on every
   * publish, so plain SQL prepared once per connection (TypeORM's builders were most of the publish path's CPU).
   */
  activeFor(tenantId: TenantId, patterns: string[]): Promise<FanOutTarget[]> {
    return this.db.prepared<FanOutTarget>(
      'conduit_publish_subscriptions',
      `SELECT id, filter, retry_schedule FROM webhook_subscriptions
        WHERE tenant_id = $1 AND is_active AND deleted_at IS NULL AND event_types && $2::text[]`,
      [tenantId, patterns],
    );
  }

  /** The names of these subscriptions (deleted ones too), for analytics. */
  async names(tenantId: TenantId, ids: string[]): Promise<{ id: string; app_name: string }[]> {
    return (await this.db.em.query(
      `SELECT id, app_name FROM webhook_subscriptions WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids],
    )) as { id: string; app_name: string }[];
  }

  private repo() {
    return this.db.em.getRepository(SubscriptionEntity);
  }
}
