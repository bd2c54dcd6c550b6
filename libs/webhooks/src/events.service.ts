// Publishing: the event and one delivery per matching subscription are written in the caller's transaction;
// their jobs are enqueued only after it commits (the reconciler covers a lost enqueue).
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, Page, TenantId, assertTimeWindow, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { DeliveryScheduler, ScheduledAttempt } from './delivery-scheduler';
import { EventHooks } from './event-hooks';
import { EventDetailResponse, EventResponse, ListEventsQueryDto, PublishedEventResponse } from './dto/event.dto';
import { EventEntity } from './entities/event.entity';
import { matchesFilter, matchingPatterns } from './event-matching';
import { presentDelivery, presentEvent } from './presenters';
import { DeliveriesRepository } from './repositories/deliveries.repository';
import { EventsRepository, NewDelivery } from './repositories/events.repository';
import { FanOutTarget, SubscriptionsRepository } from './repositories/subscriptions.repository';
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
    private readonly events: EventsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly subscriptions: SubscriptionsRepository,
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
   * An event for one subscription only, written with its delivery but not queued: the caller sends that delivery at
   * once (a test send). Should the caller die first, the reconciler finds the delivery as one whose job was lost.
   */
  writeUnqueued(
    tenantId: TenantId,
    input: Omit<PublishInput, 'idempotency_key'>,
    subscription: FanOutTarget,
  ): Promise<{ event: EventEntity; deliveryId: string }> {
    return this.db.runInTenant(tenantId, async () => {
      const { event, deliveries } = this.newEvent(tenantId, input, [subscription], this.clock.now());
      await this.events.insertWithDeliveries([{ event, deliveries }]);
      return { event, deliveryId: deliveries[0].id };
    });
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
          candidates = await this.subscriptions.activeFor(tenantId, matchingPatterns(input.event_name));
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
    if (fresh.length > 0 && !(await this.events.insertWithDeliveries(fresh))) {
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
    for (const existing of keys.length ? await this.events.byIdempotencyKeys(tenantId, keys) : []) {
      if (now.getTime() - existing.created_at.getTime() < IDEMPOTENCY_WINDOW_MS)
        live.set(existing.idempotency_key as string, existing);
      else await this.events.releaseIdempotencyKey(tenantId, existing.id);
    }
    return live;
  }

  async list(query: ListEventsQueryDto): Promise<Page<EventResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Event', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    assertTimeWindow(query.since, query.until);
    return toPage(await this.events.page(tenantId, query, { limit, cursor }), limit, presentEvent);
  }

  async get(id: string): Promise<EventDetailResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'Event', { tenant_id: tenantId }, 'event_not_found');
    const event = isUuid(id) ? await this.events.find(tenantId, id) : null;
    if (!event) throw new WebhookException('event_not_found', 'Event not found');
    const deliveries = await this.deliveries.ofEvent(tenantId, id);
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
