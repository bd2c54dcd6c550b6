// The SQL over webhook_events, in the caller's transaction: the publish path's statements (prepared once per
// connection, every new event and its deliveries in one statement), the API's reads, and retention's deletes.
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, TenantStatement, isUniqueViolation, newestFirst, within } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { EventEntity } from '../entities/event.entity';

/** A delivery of a new event, before it is written. */
export interface NewDelivery {
  id: string;
  subscription_id: string;
  next_attempt_at: Date;
}

/** A new event of one tenant with its deliveries. */
export interface NewEvent {
  event: EventEntity;
  deliveries: NewDelivery[];
}

/** Whether err is an insert that lost an idempotency key to a concurrent publish. */
export function isIdempotencyRace(err: unknown): boolean {
  return isUniqueViolation(err, 'webhook_events_idempotency_key');
}

/**
 * Every new event of one tenant and its deliveries as one statement (the rows as two JSON arrays), for the
 * transaction's prepared statement and the group commit's round trip alike. Events go in key order: two transactions
 * publishing the same keys then wait on each other instead of deadlocking.
 */
export function insertStatement(fresh: NewEvent[]): TenantStatement {
  const [{ event: first }] = fresh;
  const events = fresh.map(({ event: e }) => ({
    id: e.id,
    event_name: e.event_name,
    source: e.source,
    payload: JSON.stringify(e.payload ?? null),
    idempotency_key: e.idempotency_key,
    delivery_count: e.delivery_count,
  }));
  events.sort((a, b) => ((a.idempotency_key ?? '') < (b.idempotency_key ?? '') ? -1 : 1));
  const deliveries = fresh.flatMap(({ event, deliveries: ds }) => ds.map((d) => ({ ...d, event_id: event.id })));
  return {
    sql: `WITH events AS (
           INSERT INTO webhook_events (id, tenant_id, event_name, source, payload, idempotency_key, delivery_count, created_at)
           SELECT e.id, $1::uuid, e.event_name, e.source, e.payload::jsonb, e.idempotency_key, e.delivery_count, $2::timestamptz
             FROM jsonb_to_recordset($3::jsonb) AS e(id uuid, event_name text, source text, payload text, idempotency_key text, delivery_count integer)
         )
         INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, next_attempt_at, created_at, updated_at)
         SELECT d.id, $1::uuid, d.event_id, d.subscription_id, 'pending', 0, d.next_attempt_at, $2::timestamptz, $2::timestamptz
           FROM jsonb_to_recordset($4::jsonb) AS d(id uuid, event_id uuid, subscription_id uuid, next_attempt_at timestamptz)`,
    values: [first.tenant_id, first.created_at, JSON.stringify(events), JSON.stringify(deliveries)],
  };
}

export interface EventFilter {
  event_name?: string;
  source?: string;
  since?: Date;
  until?: Date;
}

@Injectable()
export class EventsRepository {
  constructor(private readonly db: TenantContext) {}

  /** The event names the hooks' probes answer (rows of `event_name`), in the caller's tenant transaction. */
  async hookedNames(probes: readonly TenantStatement[]): Promise<Set<string>> {
    const names = new Set<string>();
    for (const probe of probes) {
      const rows = (await this.db.em.query(probe.sql, [...probe.values])) as { event_name: string }[];
      for (const row of rows) names.add(row.event_name);
    }
    return names;
  }

  page(tenantId: TenantId, filter: EventFilter, page: PageRequest): Promise<EventEntity[]> {
    const qb = this.db.em
      .getRepository(EventEntity)
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId });
    if (filter.event_name) qb.andWhere('e.event_name = :name', { name: filter.event_name });
    if (filter.source) qb.andWhere('e.source = :source', { source: filter.source });
    return newestFirst(within(qb, 'e', filter), 'e', page).getMany();
  }

  find(tenantId: TenantId, id: string): Promise<EventEntity | null> {
    return this.db.em.getRepository(EventEntity).findOne({ where: { id, tenant_id: tenantId } });
  }

  byIdempotencyKeys(tenantId: TenantId, keys: string[]): Promise<EventEntity[]> {
    return this.db.prepared<EventEntity>(
      'conduit_publish_idempotency_many',
      `SELECT id, tenant_id, event_name, source, payload, idempotency_key, delivery_count, created_at
         FROM webhook_events WHERE tenant_id = $1 AND idempotency_key = ANY($2::text[])`,
      [tenantId, keys],
    );
  }

  /** An expired key is given up for reuse. */
  async releaseIdempotencyKey(tenantId: TenantId, eventId: string): Promise<void> {
    await this.db.em.query(`UPDATE webhook_events SET idempotency_key = NULL WHERE id = $1 AND tenant_id = $2`, [
      eventId,
      tenantId,
    ]);
  }

  /**
   * Every new event of one tenant and its deliveries in one statement (insertStatement). When an event carries an
   * idempotency key the statement runs under a savepoint: false when a key was taken meanwhile (nothing written then),
   * so the caller can answer that race. Without keys nothing can collide, and the savepoint's two round trips are
   * saved.
   */
  async insertWithDeliveries(fresh: NewEvent[]): Promise<boolean> {
    const { sql, values } = insertStatement(fresh);
    const insert = () => this.db.prepared('conduit_publish_insert_many', sql, [...values]);
    if (!fresh.some(({ event }) => event.idempotency_key)) {
      await insert();
      return true;
    }
    await this.db.em.query('SAVEPOINT publish_events');
    try {
      await insert();
      await this.db.em.query('RELEASE SAVEPOINT publish_events');
      return true;
    } catch (err) {
      await this.db.em.query('ROLLBACK TO SAVEPOINT publish_events');
      if (isIdempotencyRace(err)) return false;
      throw err;
    }
  }

  /**
   * Deletes at most `limit` of the tenant's events created before `cutoff` (their deliveries and attempts go with them,
   * ON DELETE CASCADE), oldest first; an event whose delivery is still being attempted stays until that ends. Returns
   * how many were deleted.
   */
  async deleteOlderThan(tenantId: TenantId, cutoff: Date, limit: number): Promise<number> {
    const result = (await this.db.em.query(
      `DELETE FROM webhook_events WHERE id IN (
         SELECT e.id FROM webhook_events e
          WHERE e.tenant_id = $1 AND e.created_at < $2
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status IN ('pending', 'delivering'))
          ORDER BY e.created_at LIMIT $3)`,
      [tenantId, cutoff, limit],
    )) as [unknown[], number];
    return result[1];
  }
}
