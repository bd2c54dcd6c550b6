// Publishing and reading events. Publishes here write in the caller's transaction (EventPublisher: the worker's,
// inbound routing's, the seed route's) and the deliveries' jobs are enqueued only after commit (the reconciler covers
// a lost enqueue); POST /api/v1/events group-commits instead (PublishGroupCommit).
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Page, TenantId, assertTimeWindow, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { EventDetailResponse, EventResponse, ListEventsQueryDto, PublishedEventResponse } from './dto/event.dto';
import { EventEntity } from './entities/event.entity';
import { EventHooks } from './event-hooks';
import { EventPublisher } from './event-publisher';
import { presentDelivery, presentEvent } from './presenters';
import { PublishInput } from './publish-plan';
import { DeliveriesRepository } from './repositories/deliveries.repository';
import { EventsRepository } from './repositories/events.repository';
import { FanOutTarget } from './repositories/subscriptions.repository';
import { WebhookException } from './webhook.exception';

export type { PublishInput } from './publish-plan';

@Injectable()
export class EventsService {
  constructor(
    private readonly db: TenantContext,
    private readonly events: EventsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly access: AccessService,
    private readonly publisher: EventPublisher,
    private readonly hooks: EventHooks,
  ) {}

  /**
   * API entry, in the request's transaction: checks the caller may publish in tenantId (the acting tenant by default).
   */
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
    const [answer] = await this.db.runInTenant(tenantId, () =>
      this.publisher.publishBatch(tenantId, [input], { onlySubscription }),
    );
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
    return this.db.runInTenant(tenantId, () => this.publisher.writeUnqueued(tenantId, input, subscription));
  }

  /**
   * Several events of one tenant at once, as publishInTenant would publish each in turn (same idempotency, fan-out,
   * hooks per event and after-commit scheduling), in fewer round trips: one idempotency lookup, one subscription
   * lookup per event name, one statement for every new event and its deliveries. Answers in the order of `inputs`.
   * Used by inbound routing and case ingestion, which publish a batch in one transaction. The hooks' probes are asked
   * once for the batch's event names (as the API's group commit does), and the hooks run only for events of the names
   * they may act on: a batch of case events for a tenant without chains costs no query per event.
   */
  publishManyInTenant(tenantId: TenantId, inputs: PublishInput[]): Promise<PublishedEventResponse[]> {
    return this.db.runInTenant(tenantId, async () => {
      const probes = this.hooks.probes(tenantId, [...new Set(inputs.map((i) => i.event_name))]);
      if (probes === null) return this.publisher.publishBatch(tenantId, inputs);
      return this.publisher.publishBatch(tenantId, inputs, { hooked: await this.events.hookedNames(probes) });
    });
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
}
