// Publishing: the event and one delivery per matching subscription are written in the caller's transaction;
// their jobs are enqueued only after it commits (the reconciler covers a lost enqueue).
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext, isUniqueViolation } from '@conduit/database';
import { assertTimeWindow, Clock, decodeCursor, IdGenerator, isUuid, Page, TenantId, toPage } from '@conduit/platform';
import { DeliveryScheduler, ScheduledAttempt } from './delivery-scheduler';
import { EventHooks } from './event-hooks';
import { EventDetailResponse, EventResponse, ListEventsQueryDto, PublishedEventResponse } from './dto/event.dto';
import { DeliveryEntity } from './entities/delivery.entity';
import { EventEntity } from './entities/event.entity';
import { SubscriptionEntity } from './entities/subscription.entity';
import { matchesFilter, matchingPatterns } from './event-matching';
import { presentDelivery, presentEvent } from './presenters';
import { WebhookException } from './webhook.exception';

const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
/** How often one publish answers a lost idempotency race by publishing again before it gives up (409). */
const MAX_IDEMPOTENCY_RACES = 3;

export interface PublishInput {
  event_name: string;
  source?: string;
  payload: unknown;
  idempotency_key?: string;
}

/** What publishing needs of a subscription. */
export type FanOutTarget = Pick<SubscriptionEntity, 'id' | 'filter' | 'retry_schedule'>;

interface NewDelivery {
  id: string;
  subscription_id: string;
  next_attempt_at: Date;
}

/** The first attempt of each new delivery, queued after commit with its subscription's first delay. */
function firstAttempts(
  tenantId: TenantId,
  subscriptions: FanOutTarget[],
  deliveries: NewDelivery[],
): ScheduledAttempt[] {
  const firstDelays = new Map(subscriptions.map((s) => [s.id, (s.retry_schedule[0] ?? 0) * 1000]));
  return deliveries.map((d) => ({
    tenantId,
    deliveryId: d.id,
    attempt: 1,
    delayMs: firstDelays.get(d.subscription_id),
  }));
}

@Injectable()
export class EventsService {
  constructor(
    private readonly db: TenantContext,
    private readonly access: AccessService,
    private readonly scheduler: DeliveryScheduler,
    private readonly hooks: EventHooks,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** API entry: checks the caller may publish in tenantId (the acting tenant by default). */
  publish(input: PublishInput, tenantId = this.access.tenant().id): Promise<PublishedEventResponse> {
    this.access.assert('create', 'Event', { tenant_id: tenantId });
    return this.publishInTenant(tenantId, input);
  }

  /**
   * Writes the event and its deliveries (to every active subscription whose types and filter match, or only to
   * `onlySubscription`), then schedules the first attempts after commit. Used by the API and by the worker for
   * operational events. One event is a batch of one: the same path as publishManyInTenant.
   */
  async publishInTenant(
    tenantId: TenantId,
    input: PublishInput,
    onlySubscription?: FanOutTarget,
  ): Promise<PublishedEventResponse> {
    const [answer] = await this.db.runInTenant(tenantId, () => this.publishBatch(tenantId, [input], onlySubscription));
    return answer;
  }

  /**
   * Several events of one tenant at once, as publishInTenant would publish each in turn (same idempotency, fan-out,
   * hooks per event and after-commit scheduling), in fewer round trips: one idempotency lookup, one subscription
   * lookup per event name, one statement for every new event and its deliveries. Answers in the order of `inputs`.
   * Used by inbound routing, which publishes a job's batch in one transaction.
   */
  publishManyInTenant(tenantId: TenantId, inputs: PublishInput[]): Promise<PublishedEventResponse[]> {
    return this.db.runInTenant(tenantId, () => this.publishBatch(tenantId, inputs));
  }

  /**
   * In the caller's tenant transaction. When a concurrent publish takes one of the idempotency keys between the
   * lookup and the insert, nothing of this batch is written (a savepoint) and the batch is published again: the
   * lookup then finds the winner, and those inputs answer as its duplicates.
   */
  private async publishBatch(
    tenantId: TenantId,
    inputs: PublishInput[],
    onlySubscription?: FanOutTarget,
    racesLeft = MAX_IDEMPOTENCY_RACES,
  ): Promise<PublishedEventResponse[]> {
    const now = this.clock.now();
    const live = await this.liveEventsByKey(tenantId, inputs, now);
    const candidatesByName = new Map<string, FanOutTarget[]>();
    const answers: (EventEntity | { duplicateOf: EventEntity })[] = [];
    const fresh: { event: EventEntity; deliveries: NewDelivery[]; subscriptions: FanOutTarget[] }[] = [];
    for (const input of inputs) {
      const known = input.idempotency_key ? live.get(input.idempotency_key) : undefined;
      if (known) {
        answers.push({ duplicateOf: known });
        continue;
      }
      let subscriptions: FanOutTarget[];
      if (onlySubscription) {
        subscriptions = [onlySubscription];
      } else {
        let candidates = candidatesByName.get(input.event_name);
        if (!candidates) {
          candidates = await this.activeSubscriptionsFor(tenantId, input.event_name);
          candidatesByName.set(input.event_name, candidates);
        }
        subscriptions = candidates.filter((s) => matchesFilter(s.filter, input.payload));
      }
      const { event, deliveries } = this.newEvent(tenantId, input, subscriptions, now);
      // The same key twice in one call: the first publishes, the others answer as its duplicates.
      if (event.idempotency_key) live.set(event.idempotency_key, event);
      fresh.push({ event, deliveries, subscriptions });
      answers.push(event);
    }
    if (fresh.length > 0 && !(await this.insertMany(fresh))) {
      if (racesLeft === 0) {
        throw new WebhookException(
          'idempotency_conflict',
          'Idempotency keys of this request are being published concurrently; retry',
        );
      }
      return this.publishBatch(tenantId, inputs, onlySubscription, racesLeft - 1);
    }
    if (!onlySubscription) for (const { event } of fresh) await this.hooks.published(event);
    const jobs = fresh.flatMap(({ deliveries, subscriptions }) => firstAttempts(tenantId, subscriptions, deliveries));
    if (jobs.length > 0) this.db.afterCommit(() => this.scheduler.enqueue(jobs));
    return answers.map((a) =>
      'duplicateOf' in a
        ? { ...this.published(a.duplicateOf), duplicate: true }
        : { ...this.published(a), duplicate: false },
    );
  }

  /** The live (under 24 h old) events holding the inputs' keys; an expired one gives its key up for reuse. */
  private async liveEventsByKey(
    tenantId: TenantId,
    inputs: PublishInput[],
    now: Date,
  ): Promise<Map<string, EventEntity>> {
    const keys = [...new Set(inputs.map((i) => i.idempotency_key).filter((k): k is string => !!k))];
    const live = new Map<string, EventEntity>();
    for (const existing of keys.length ? await this.findByIdempotencyKeys(tenantId, keys) : []) {
      if (now.getTime() - existing.created_at.getTime() < IDEMPOTENCY_WINDOW_MS)
        live.set(existing.idempotency_key as string, existing);
      else await this.db.em.query(`UPDATE webhook_events SET idempotency_key = NULL WHERE id = $1`, [existing.id]);
    }
    return live;
  }

  async list(query: ListEventsQueryDto): Promise<Page<EventResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Event', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const qb = this.db.em
      .getRepository(EventEntity)
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId })
      .orderBy('e.created_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit + 1);
    if (query.event_name) qb.andWhere('e.event_name = :name', { name: query.event_name });
    if (query.source) qb.andWhere('e.source = :source', { source: query.source });
    assertTimeWindow(query.since, query.until);
    if (query.since) qb.andWhere('e.created_at >= :since', { since: query.since });
    if (query.until) qb.andWhere('e.created_at < :until', { until: query.until });
    if (cursor) qb.andWhere('(e.created_at, e.id) < (:ca, :cid)', { ca: cursor.created_at, cid: cursor.id });
    return toPage(await qb.getMany(), limit, presentEvent);
  }

  async get(id: string): Promise<EventDetailResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Event', { tenant_id: tenantId }, 'event_not_found');
    const event = isUuid(id)
      ? await this.db.em.getRepository(EventEntity).findOne({ where: { id, tenant_id: tenantId } })
      : null;
    if (!event) throw new WebhookException('event_not_found', 'Event not found');
    const deliveries = await this.db.em
      .getRepository(DeliveryEntity)
      .find({ where: { event_id: id, tenant_id: tenantId }, order: { created_at: 'ASC', id: 'ASC' } });
    return {
      ...presentEvent(event),
      deliveries: deliveries.map((d) => presentDelivery({ ...d, event_name: event.event_name })),
    };
  }

  /** A new event (not yet written) and one delivery per subscription, each due after its schedule's first delay. */
  private newEvent(
    tenantId: TenantId,
    input: PublishInput,
    subscriptions: FanOutTarget[],
    now: Date,
  ): { event: EventEntity; deliveries: NewDelivery[] } {
    const event: EventEntity = {
      id: this.ids.next(),
      tenant_id: tenantId,
      event_name: input.event_name,
      source: input.source ?? 'api',
      payload: input.payload,
      idempotency_key: input.idempotency_key ?? null,
      delivery_count: subscriptions.length,
      created_at: now,
    };
    const deliveries = subscriptions.map((s) => ({
      id: this.ids.next(),
      subscription_id: s.id,
      next_attempt_at: new Date(now.getTime() + (s.retry_schedule[0] ?? 0) * 1000),
    }));
    return { event, deliveries };
  }

  /**
   * Active subscriptions to this event name, before their filters (plain SQL: TypeORM's builders were most of the
   * publish path's CPU).
   */
  private activeSubscriptionsFor(tenantId: TenantId, eventName: string): Promise<FanOutTarget[]> {
    return this.db.prepared<FanOutTarget>(
      'conduit_publish_subscriptions',
      `SELECT id, filter, retry_schedule FROM webhook_subscriptions
        WHERE tenant_id = $1 AND is_active AND deleted_at IS NULL AND event_types && $2::text[]`,
      [tenantId, matchingPatterns(eventName)],
    );
  }

  /**
   * Every new event and its deliveries in one statement (the rows as two JSON arrays). When an event carries an
   * idempotency key the statement runs under a savepoint: false when a key was taken meanwhile (nothing written then),
   * so the caller can answer that race. Without keys nothing can collide, and the savepoint's two round trips are
   * saved.
   */
  private async insertMany(fresh: { event: EventEntity; deliveries: NewDelivery[] }[]): Promise<boolean> {
    const [{ event: first }] = fresh;
    const events = fresh.map(({ event: e }) => ({
      id: e.id,
      event_name: e.event_name,
      source: e.source,
      payload: JSON.stringify(e.payload ?? null),
      idempotency_key: e.idempotency_key,
      delivery_count: e.delivery_count,
    }));
    // In key order: two transactions publishing the same keys then wait on each other instead of deadlocking.
    events.sort((a, b) => ((a.idempotency_key ?? '') < (b.idempotency_key ?? '') ? -1 : 1));
    const deliveries = fresh.flatMap(({ event, deliveries: ds }) => ds.map((d) => ({ ...d, event_id: event.id })));
    const insert = () =>
      this.db.prepared(
        'conduit_publish_insert_many',
        `WITH events AS (
           INSERT INTO webhook_events (id, tenant_id, event_name, source, payload, idempotency_key, delivery_count, created_at)
           SELECT e.id, $1::uuid, e.event_name, e.source, e.payload::jsonb, e.idempotency_key, e.delivery_count, $2::timestamptz
             FROM jsonb_to_recordset($3::jsonb) AS e(id uuid, event_name text, source text, payload text, idempotency_key text, delivery_count integer)
         )
         INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, next_attempt_at, created_at, updated_at)
         SELECT d.id, $1::uuid, d.event_id, d.subscription_id, 'pending', 0, d.next_attempt_at, $2::timestamptz, $2::timestamptz
           FROM jsonb_to_recordset($4::jsonb) AS d(id uuid, event_id uuid, subscription_id uuid, next_attempt_at timestamptz)`,
        [first.tenant_id, first.created_at, JSON.stringify(events), JSON.stringify(deliveries)],
      );
    if (!events.some((e) => e.idempotency_key)) {
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
      if (isUniqueViolation(err, 'webhook_events_idempotency_key')) return false;
      throw err;
    }
  }

  private findByIdempotencyKeys(tenantId: TenantId, keys: string[]): Promise<EventEntity[]> {
    return this.db.prepared<EventEntity>(
      'conduit_publish_idempotency_many',
      `SELECT id, tenant_id, event_name, source, payload, idempotency_key, delivery_count, created_at
         FROM webhook_events WHERE tenant_id = $1 AND idempotency_key = ANY($2::text[])`,
      [tenantId, keys],
    );
  }

  private published(e: EventEntity): Omit<PublishedEventResponse, 'duplicate'> {
    return {
      id: e.id,
      status: 'queued',
      event_name: e.event_name,
      deliveries: e.delivery_count,
      created_at: e.created_at.toISOString(),
    };
  }
}
