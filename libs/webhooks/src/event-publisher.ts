// Publishing in the caller's tenant transaction: the event and one delivery per matching subscription are written
// there, the hooks run there, and the deliveries' jobs are enqueued only after it commits (the reconciler covers a
// lost enqueue). The worker, inbound routing, the seed's publish route and the group commit's batches that start
// chains publish this way.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, TenantId } from '@conduit/platform';
import { DeliveryScheduler } from './delivery-scheduler';
import { PublishedEventResponse } from './dto/event.dto';
import { EventEntity } from './entities/event.entity';
import { EventHooks } from './event-hooks';
import { matchesFilter, matchingPatterns } from './event-matching';
import {
  MAX_IDEMPOTENCY_RACES,
  PublishInput,
  firstAttempts,
  holdsKey,
  planPublish,
  publishedAnswer,
} from './publish-plan';
import { EventsRepository } from './repositories/events.repository';
import { FanOutTarget, SubscriptionsRepository } from './repositories/subscriptions.repository';
import { WebhookException } from './webhook.exception';

@Injectable()
export class EventPublisher {
  constructor(
    private readonly db: TenantContext,
    private readonly events: EventsRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly scheduler: DeliveryScheduler,
    private readonly hooks: EventHooks,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /**
   * In the caller's tenant transaction, in fewer round trips than one event at a time: one idempotency lookup, one
   * subscription lookup per event name, one statement for every new event and its deliveries. Answers in the order of
   * `inputs`. When a concurrent publish takes one of the idempotency keys between the lookup and the insert, nothing
   * of this batch is written (a savepoint) and the batch is published again: the lookup then finds the winner, and
   * those inputs answer as its duplicates. The hooks run for each new event (`hooked` narrows that to the events of the
   * names it holds), except for a publish to `onlySubscription`.
   */
  async publishBatch(
    tenantId: TenantId,
    inputs: PublishInput[],
    { onlySubscription, hooked }: { onlySubscription?: FanOutTarget; hooked?: ReadonlySet<string> } = {},
    racesLeft = MAX_IDEMPOTENCY_RACES,
  ): Promise<PublishedEventResponse[]> {
    const now = this.clock.now();
    const live = await this.liveEventsByKey(tenantId, inputs, now);
    const candidatesByName = new Map<string, FanOutTarget[]>();
    if (!onlySubscription) {
      for (const input of inputs) {
        const taken = input.idempotency_key !== undefined && live.has(input.idempotency_key);
        if (taken || candidatesByName.has(input.event_name)) continue;
        candidatesByName.set(
          input.event_name,
          await this.subscriptions.activeFor(tenantId, matchingPatterns(input.event_name)),
        );
      }
    }
    const targets = (input: PublishInput): FanOutTarget[] =>
      onlySubscription
        ? [onlySubscription]
        : (candidatesByName.get(input.event_name) ?? []).filter((s) => matchesFilter(s.filter, input.payload));
    const { outcomes, fresh } = planPublish(tenantId, inputs, live, targets, now, this.ids);
    if (fresh.length > 0 && !(await this.events.insertWithDeliveries(fresh))) {
      if (racesLeft === 0) {
        throw new WebhookException(
          'idempotency_conflict',
          'Idempotency keys of this request are being published concurrently; retry',
        );
      }
      return this.publishBatch(tenantId, inputs, { onlySubscription, hooked }, racesLeft - 1);
    }
    if (!onlySubscription) {
      for (const { event } of fresh) if (!hooked || hooked.has(event.event_name)) await this.hooks.published(event);
    }
    const jobs = firstAttempts(tenantId, fresh);
    if (jobs.length > 0) this.db.afterCommit(() => this.scheduler.enqueue(jobs));
    return outcomes.map(publishedAnswer);
  }

  /** An event for one subscription only, with its delivery, not queued (see EventsService.writeUnqueued). */
  async writeUnqueued(
    tenantId: TenantId,
    input: Omit<PublishInput, 'idempotency_key'>,
    subscription: FanOutTarget,
  ): Promise<{ event: EventEntity; deliveryId: string }> {
    const { fresh } = planPublish(tenantId, [input], new Map(), () => [subscription], this.clock.now(), this.ids);
    await this.events.insertWithDeliveries(fresh);
    return { event: fresh[0].event, deliveryId: fresh[0].deliveries[0].id };
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
      if (holdsKey(existing, now)) live.set(existing.idempotency_key as string, existing);
      else await this.events.releaseIdempotencyKey(tenantId, existing.id);
    }
    return live;
  }
}
