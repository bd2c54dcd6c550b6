// The SQL over webhook_subscriptions that requests and publishing run, in the caller's transaction (RLS scopes it to
// the tenant set there; every method names that tenant too). The delivery engine's writes (failure counts, circuit,
// disabling) are in DeliveryStore.
import { Injectable } from '@nestjs/common';
import { In, IsNull } from 'typeorm';
import { PageRequest, TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { SubscriptionEntity } from '../entities/subscription.entity';

/** What publishing needs of a subscription. */
export type FanOutTarget = Pick<SubscriptionEntity, 'id' | 'filter' | 'retry_schedule'>;

/** What a subscription's answer shows (see SubscriptionsService.present). */
export type SubscriptionListRow = Pick<
  SubscriptionEntity,
  | 'id'
  | 'tenant_id'
  | 'app_name'
  | 'description'
  | 'target_url'
  | 'event_types'
  | 'filter'
  | 'type'
  | 'payload_format'
  | 'header_names'
  | 'retry_schedule'
  | 'rate_limit_per_second'
  | 'is_active'
  | 'disabled_reason'
  | 'circuit_state'
  | 'consecutive_failures'
  | 'previous_secret_expires_at'
  | 'created_at'
  | 'updated_at'
>;

const LIST_COLUMNS = `id, tenant_id, app_name, description, target_url, event_types, filter, type, payload_format, header_names,
  retry_schedule, rate_limit_per_second, is_active, disabled_reason, circuit_state, consecutive_failures,
  previous_secret_expires_at, created_at, updated_at`;

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

  /**
   * Live (not deleted) subscriptions, newest first: one plain statement with the columns answers show (no sealed
   * secret or headers, no entity hydration), on the (tenant_id, created_at, id) keyset.
   */
  async page(tenantId: TenantId, filter: SubscriptionFilter, page: PageRequest): Promise<SubscriptionListRow[]> {
    const values: unknown[] = [tenantId];
    const where = ['tenant_id = $1', 'deleted_at IS NULL'];
    if (filter.eventPatterns) where.push(`event_types && $${values.push(filter.eventPatterns)}::text[]`);
    if (filter.active !== undefined) where.push(`is_active = $${values.push(filter.active)}`);
    if (page.cursor) {
      const at = values.push(page.cursor.created_at);
      where.push(`(created_at, id) < ($${at}::timestamptz, $${values.push(page.cursor.id)}::uuid)`);
    }
    return (await this.db.em.query(
      `SELECT ${LIST_COLUMNS} FROM webhook_subscriptions WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $${values.push(page.limit + 1)}`,
      values,
    )) as SubscriptionListRow[];
  }

  /** The subscription, deleted or not. */
  find(tenantId: TenantId, id: string): Promise<SubscriptionEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  async update(tenantId: TenantId, id: string, changes: Partial<SubscriptionEntity>): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, changes as never);
  }

  /** Those of `ids` (uuids) that are subscriptions of the tenant and not deleted, with their target URLs. */
  liveTargets(tenantId: TenantId, ids: string[]): Promise<{ id: string; target_url: string }[]> {
    return this.repo().find({
      select: { id: true, target_url: true },
      where: { tenant_id: tenantId, id: In(ids), deleted_at: IsNull() },
    });
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
