// The SQL over inbound_events: the receive path's group commit (one statement and one round trip per tenant and
// batch), routing's reads and outcome writes, the API's reads and replays, and the reconciler's due requests. All in
// the caller's transaction, except insertBatch, which is its own (TenantRoundTrip).
import { Injectable } from '@nestjs/common';
import type { CaseMapping } from '@conduit/cases';
import { PageRequest, TenantContext, TenantRoundTrip, newestFirst, within } from '@conduit/database';
import { InvariantError, type TenantId } from '@conduit/platform';
import { InboundEventEntity, InboundStatus } from '../entities/inbound-event.entity';

export interface StoredInbound {
  id: string;
  receivedAt: Date;
  duplicate: boolean;
}

/** A request with what routing needs of its source. */
export interface RoutableInbound {
  id: string;
  provider: string;
  event_type: string | null;
  content_type: string | null;
  raw_body: Buffer;
  source_name: string | null;
  event_type_path: string | null;
  filter: Record<string, unknown> | null;
  /** The source's id and case mapping: items of a source with one become case events (push ingestion). */
  source_id: string | null;
  case_mapping: CaseMapping | null;
}

/** How routing left a request. */
export interface RoutedOutcome {
  id: string;
  status: 'routed' | 'filtered';
  event_type: string;
  routed_event_id: string | null;
}

export interface InboundEventFilter {
  source_id?: string;
  status?: InboundStatus;
  event_type?: string;
  since?: Date;
  until?: Date;
}

const ROUTABLE_SELECT = `SELECT e.id, e.provider, e.event_type, e.content_type, e.raw_body, s.name AS source_name, s.event_type_path, s.filter,
       s.id AS source_id, s.case_mapping
  FROM inbound_events e LEFT JOIN inbound_sources s ON s.id = e.source_id AND s.tenant_id = e.tenant_id`;

/** Every column but the body and headers, for lists. */
const LISTED_COLUMNS = [
  'id',
  'tenant_id',
  'source_id',
  'provider',
  'delivery_id',
  'event_type',
  'content_type',
  'source_ip',
  'payload_size',
  'status',
  'routing_attempts',
  'routing_error',
  'routed_event_id',
  'received_at',
  'routed_at',
];

@Injectable()
export class InboundEventsRepository {
  constructor(
    private readonly db: TenantContext,
    private readonly trip: TenantRoundTrip,
  ) {}

  /**
   * Stores a batch of one tenant's requests in one statement and one round trip (tenant setting, INSERT and commit in
   * one message; the commit is durable), the rows as one JSON array with base64 bodies rather than thousands of
   * parameters. Repeats of a delivery id (earlier, or twice in this batch) are not stored: they answer with the first
   * request's id. The outcomes by the given events' ids.
   */
  async insertBatch(tenantId: TenantId, events: InboundEventEntity[]): Promise<Map<string, StoredInbound>> {
    const rows = events.map((e) => ({
      id: e.id,
      source_id: e.source_id,
      provider: e.provider,
      delivery_id: e.delivery_id,
      event_type: e.event_type,
      content_type: e.content_type,
      raw_body: e.raw_body.toString('base64'),
      headers: e.headers,
      source_ip: e.source_ip,
      payload_size: e.payload_size,
      received_at: e.received_at.toISOString(),
    }));
    const inserted = await this.trip.query<{ id: string; received_at: Date }>(
      tenantId,
      `INSERT INTO inbound_events
         (id, tenant_id, source_id, provider, delivery_id, event_type, content_type, raw_body, headers, source_ip, payload_size, received_at)
       SELECT r.id, $2, r.source_id, r.provider, r.delivery_id, r.event_type, r.content_type, decode(r.raw_body, 'base64'), r.headers,
              r.source_ip, r.payload_size, r.received_at
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, source_id uuid, provider text, delivery_id text, event_type text,
              content_type text, raw_body text, headers jsonb, source_ip text, payload_size integer, received_at timestamptz)
       ON CONFLICT DO NOTHING
       RETURNING id, received_at`,
      [JSON.stringify(rows), tenantId],
      { durable: true },
    );
    const outcomes = new Map<string, StoredInbound>(
      inserted.map((r) => [r.id, { id: r.id, receivedAt: new Date(r.received_at), duplicate: false }]),
    );
    const losers = events.filter((e) => !outcomes.has(e.id));
    if (losers.length > 0) {
      const keys = losers.map((e) => ({ source_id: e.source_id, delivery_id: e.delivery_id }));
      const firsts = await this.trip.query<{ id: string; received_at: Date; source_id: string; delivery_id: string }>(
        tenantId,
        `SELECT e.id, e.received_at, e.source_id, e.delivery_id FROM inbound_events e
           JOIN jsonb_to_recordset($1::jsonb) AS k(source_id uuid, delivery_id text) ON e.source_id = k.source_id AND e.delivery_id = k.delivery_id`,
        [JSON.stringify(keys)],
        { durable: true },
      );
      for (const loser of losers) {
        const first = firsts.find((f) => f.source_id === loser.source_id && f.delivery_id === loser.delivery_id);
        if (!first)
          throw new InvariantError(
            'conflicting_row_missing',
            'an inbound request conflicted with a row that cannot be found',
          );
        outcomes.set(loser.id, { id: first.id, receivedAt: new Date(first.received_at), duplicate: true });
      }
    }
    return outcomes;
  }

  /** Newest received first, without bodies and headers. */
  page(tenantId: TenantId, filter: InboundEventFilter, page: PageRequest): Promise<InboundEventEntity[]> {
    const qb = this.repo()
      .createQueryBuilder('e')
      .select(LISTED_COLUMNS.map((c) => `e.${c}`))
      .where('e.tenant_id = :tenantId', { tenantId });
    if (filter.source_id) qb.andWhere('e.source_id = :source', { source: filter.source_id });
    if (filter.status) qb.andWhere('e.status = :status', { status: filter.status });
    if (filter.event_type) qb.andWhere('e.event_type = :type', { type: filter.event_type });
    return newestFirst(within(qb, 'e', filter, 'received_at'), 'e', page, 'received_at').getMany();
  }

  find(tenantId: TenantId, id: string): Promise<InboundEventEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  /** Makes a request routable again (a replay). */
  async markAccepted(tenantId: TenantId, id: string): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, { status: 'accepted', routing_error: null });
  }

  /** Makes at most `limit` requests received in [since, until) routable again, oldest first; their ids. */
  async markRangeAccepted(
    tenantId: TenantId,
    since: Date,
    until: Date,
    sourceId: string | null,
    limit: number,
  ): Promise<string[]> {
    const rows = (await this.db.em.query(
      `UPDATE inbound_events SET status = 'accepted', routing_error = NULL
        WHERE id IN (SELECT id FROM inbound_events WHERE tenant_id = $1 AND received_at >= $2 AND received_at < $3
                       AND ($4::uuid IS NULL OR source_id = $4) ORDER BY received_at LIMIT ${Number(limit)})
        RETURNING id`,
      [tenantId, since, until, sourceId],
    )) as [{ id: string }[], number];
    return rows[0].map((r) => r.id);
  }

  /** Accepted requests older than graceSeconds (most likely no longer queued), oldest first, at most limit. */
  async unrouted(tenantId: TenantId, graceSeconds: number, limit: number): Promise<string[]> {
    const rows = (await this.db.em.query(
      `SELECT id FROM inbound_events WHERE tenant_id = $1 AND status = 'accepted' AND received_at < now() - make_interval(secs => $2)
        ORDER BY received_at LIMIT ${Number(limit)}`,
      [tenantId, graceSeconds],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** The requests with what routing needs of their sources, in one statement (plain SQL: this runs per request). */
  routable(tenantId: TenantId, ids: string[]): Promise<RoutableInbound[]> {
    return this.db.em.query(`${ROUTABLE_SELECT} WHERE e.id = ANY($1::uuid[]) AND e.tenant_id = $2`, [
      ids,
      tenantId,
    ]) as Promise<RoutableInbound[]>;
  }

  /** One request, as routable() reads it. */
  async routableOne(tenantId: TenantId, id: string): Promise<RoutableInbound | undefined> {
    const [inbound] = (await this.db.em.query(`${ROUTABLE_SELECT} WHERE e.id = $1 AND e.tenant_id = $2`, [
      id,
      tenantId,
    ])) as RoutableInbound[];
    return inbound;
  }

  async markRouted(tenantId: TenantId, outcome: RoutedOutcome, now: Date): Promise<void> {
    await this.db.em.query(
      `UPDATE inbound_events SET status = $2, event_type = $3, routed_event_id = $4, routed_at = $5, routing_error = NULL WHERE id = $1 AND tenant_id = $6`,
      [outcome.id, outcome.status, outcome.event_type, outcome.routed_event_id, now, tenantId],
    );
  }

  /** Every outcome of a batch in one statement. */
  async markRoutedMany(tenantId: TenantId, outcomes: RoutedOutcome[], now: Date): Promise<void> {
    await this.db.em.query(
      `UPDATE inbound_events e SET status = o.status, event_type = o.event_type, routed_event_id = o.routed_event_id, routed_at = $2,
              routing_error = NULL
         FROM jsonb_to_recordset($1::jsonb) AS o(id uuid, status text, event_type text, routed_event_id uuid)
        WHERE e.id = o.id AND e.tenant_id = $3`,
      [JSON.stringify(outcomes), now, tenantId],
    );
  }

  /** A failed routing attempt; `final` marks the request failed for good (still replayable). */
  async recordFailure(tenantId: TenantId, id: string, error: string, final: boolean): Promise<void> {
    await this.db.em.query(
      `UPDATE inbound_events SET routing_attempts = routing_attempts + 1, routing_error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END WHERE id = $1 AND tenant_id = $4`,
      [id, error, final, tenantId],
    );
  }

  private repo() {
    return this.db.em.getRepository(InboundEventEntity);
  }
}
