import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, CommonException, Page, assertTimeWindow, decodeCursor, isUuid, toPage } from '@conduit/platform';
import {
  InboundEventDetailResponse,
  InboundEventResponse,
  ListInboundEventsQueryDto,
  ReplayResponse,
} from './dto/inbound-event.dto';
import { InboundEventEntity } from './entities/inbound-event.entity';
import { IngestionException } from './ingestion.exception';
import { InboundEventsRepository } from './repositories/inbound-events.repository';
import { ReceiveService } from './receive.service';

const MAX_BULK_REPLAY = 10_000;

function present(e: InboundEventEntity): InboundEventResponse {
  return {
    id: e.id,
    source_id: e.source_id,
    provider: e.provider,
    delivery_id: e.delivery_id,
    event_type: e.event_type,
    content_type: e.content_type,
    source_ip: e.source_ip,
    payload_size: e.payload_size,
    status: e.status,
    routing_attempts: e.routing_attempts,
    routing_error: e.routing_error,
    routed_event_id: e.routed_event_id,
    received_at: e.received_at.toISOString(),
    routed_at: e.routed_at?.toISOString() ?? null,
  };
}

@Injectable()
export class InboundEventsService {
  constructor(
    private readonly db: TenantContext,
    private readonly events: InboundEventsRepository,
    private readonly access: AccessService,
    private readonly receive: ReceiveService,
    private readonly clock: Clock,
  ) {}

  async list(query: ListInboundEventsQueryDto): Promise<Page<InboundEventResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'InboundEvent', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    assertTimeWindow(query.since, query.until);
    const rows = await this.events.page(tenantId, query, { limit, cursor });
    return toPage(
      rows.map((r) => Object.assign(r, { created_at: r.received_at })),
      limit,
      present,
    );
  }

  async get(id: string): Promise<InboundEventDetailResponse> {
    const event = await this.load(id, 'read');
    return {
      ...present(event),
      headers: event.headers,
      body: event.raw_body.toString('utf8'),
      body_base64: event.raw_body.toString('base64'),
    };
  }

  /** Routes one stored request again: a new outgoing event is published (a new generation). */
  async replay(id: string): Promise<InboundEventResponse> {
    const event = await this.load(id, 'update');
    await this.events.markAccepted(event.tenant_id, event.id);
    const generation = this.clock.now().getTime();
    this.db.afterCommit(() => this.receive.enqueue(event.tenant_id, [event.id], generation));
    return present({ ...event, status: 'accepted', routing_error: null });
  }

  async replayRange(since: Date, until: Date, sourceId?: string): Promise<ReplayResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('update', 'InboundEvent', { tenant_id: tenantId });
    if (since >= until)
      throw CommonException.validation('since must be before until', [{ field: 'since', message: 'invalid window' }]);
    if (sourceId !== undefined && !isUuid(sourceId))
      throw CommonException.validation('source_id must be a uuid', [{ field: 'source_id', message: 'uuid' }]);
    const ids = await this.events.markRangeAccepted(tenantId, since, until, sourceId ?? null, MAX_BULK_REPLAY);
    const generation = this.clock.now().getTime();
    this.db.afterCommit(() => this.receive.enqueue(tenantId, ids, generation));
    return { replayed: ids.length };
  }

  private async load(id: string, action: 'read' | 'update'): Promise<InboundEventEntity> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'InboundEvent', { tenant_id: tenantId }, 'inbound_event_not_found');
    const event = isUuid(id) ? await this.events.find(tenantId, id) : null;
    if (!event) throw new IngestionException('inbound_event_not_found', 'Inbound event not found');
    return event;
  }
}
