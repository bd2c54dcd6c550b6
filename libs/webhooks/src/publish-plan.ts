// What publishing a batch of one tenant's events means, decided in memory once the live idempotency keys and the
// subscriptions are known: the rules every publish path shares (in a transaction, or the API's group commit).
import type { IdGenerator, TenantId } from '@conduit/platform';
import type { ScheduledAttempt } from './delivery-scheduler';
import type { PublishedEventResponse } from './dto/event.dto';
import type { EventEntity } from './entities/event.entity';
import type { NewDelivery } from './repositories/events.repository';
import type { FanOutTarget } from './repositories/subscriptions.repository';

/** An idempotency key is held for 24 h; after that it is given up for reuse. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
/** How often one publish answers a lost idempotency race by publishing again before it gives up (409). */
export const MAX_IDEMPOTENCY_RACES = 3;

export interface PublishInput {
  event_name: string;
  source?: string;
  payload: unknown;
  idempotency_key?: string;
}

/** A new event to write, with its deliveries and the subscriptions they go to. */
export interface FreshEvent {
  event: EventEntity;
  deliveries: NewDelivery[];
  subscriptions: FanOutTarget[];
}

/** One input's outcome: a new event, or the live event holding its idempotency key. */
export interface PublishOutcome {
  event: EventEntity;
  duplicate: boolean;
}

export interface PublishPlan {
  /** In the order of the inputs. */
  outcomes: PublishOutcome[];
  fresh: FreshEvent[];
}

/** Whether an event found by its key still holds it at `now`. */
export function holdsKey(event: EventEntity, now: Date): boolean {
  return now.getTime() - event.created_at.getTime() < IDEMPOTENCY_WINDOW_MS;
}

/**
 * Per input, the live event holding its key (a duplicate) or a new event with one delivery per subscription `targets`
 * gives it, each due after its schedule's first delay. The same key twice in one batch: the first publishes, the others
 * answer as its duplicates.
 */
export function planPublish(
  tenantId: TenantId,
  inputs: PublishInput[],
  live: ReadonlyMap<string, EventEntity>,
  targets: (input: PublishInput) => FanOutTarget[],
  now: Date,
  ids: IdGenerator,
): PublishPlan {
  const byKey = new Map(live);
  const outcomes: PublishOutcome[] = [];
  const fresh: FreshEvent[] = [];
  for (const input of inputs) {
    const known = input.idempotency_key ? byKey.get(input.idempotency_key) : undefined;
    if (known) {
      outcomes.push({ event: known, duplicate: true });
      continue;
    }
    const subscriptions = targets(input);
    const event: EventEntity = {
      id: ids.next(),
      tenant_id: tenantId,
      event_name: input.event_name,
      source: input.source ?? 'api',
      payload: input.payload,
      idempotency_key: input.idempotency_key ?? null,
      delivery_count: subscriptions.length,
      created_at: now,
    };
    const deliveries = subscriptions.map((s) => ({
      id: ids.next(),
      subscription_id: s.id,
      next_attempt_at: new Date(now.getTime() + (s.retry_schedule[0] ?? 0) * 1000),
    }));
    if (event.idempotency_key) byKey.set(event.idempotency_key, event);
    fresh.push({ event, deliveries, subscriptions });
    outcomes.push({ event, duplicate: false });
  }
  return { outcomes, fresh };
}

/** The first attempt of each new delivery, queued after commit with its subscription's first delay. */
export function firstAttempts(tenantId: TenantId, fresh: FreshEvent[]): ScheduledAttempt[] {
  return fresh.flatMap(({ subscriptions, deliveries }) => {
    const firstDelays = new Map(subscriptions.map((s) => [s.id, (s.retry_schedule[0] ?? 0) * 1000]));
    return deliveries.map((d) => ({
      tenantId,
      deliveryId: d.id,
      attempt: 1,
      delayMs: firstDelays.get(d.subscription_id),
    }));
  });
}

/** The answer to a publish. */
export function publishedAnswer({ event: e, duplicate }: PublishOutcome): PublishedEventResponse {
  return {
    id: e.id,
    status: 'queued',
    event_name: e.event_name,
    deliveries: e.delivery_count,
    created_at: e.created_at.toISOString(),
    duplicate,
  };
}
