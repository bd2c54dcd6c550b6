// Routing (worker side): turn an accepted inbound request into a tenant event for the outgoing fan-out.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock } from '@conduit/platform';
import { EventsService, matchesFilter } from '@conduit/webhooks';
import { InboundEventEntity } from './entities/inbound-event.entity';
import { InboundSourceEntity } from './entities/inbound-source.entity';

export type RoutingOutcome = 'routed' | 'filtered' | 'missing';

const FALLBACK_EVENT_TYPE = 'webhook.received';

/** `$.a.b[0].c` on a parsed body. */
export function readJsonPath(value: unknown, path: string): unknown {
  const steps = path.replace(/^\$/, '').match(/\.[A-Za-z0-9_-]+|\[\d+\]/g) ?? [];
  let current: unknown = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step.slice(1);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Event names are dot-separated words; anything else a provider sends is made to fit. */
export function normalizeEventType(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const cleaned = String(raw)
    .trim()
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.|\.$/g, '')
    .slice(0, 200);
  return cleaned || undefined;
}

@Injectable()
export class RoutingService {
  constructor(
    private readonly db: TenantContext,
    private readonly events: EventsService,
    private readonly clock: Clock,
  ) {}

  /** Idempotent per (inbound event, generation): a retried job publishes the same outgoing event once. */
  async route(tenantId: string, inboundEventId: string, generation: number): Promise<RoutingOutcome> {
    return this.db.runInTenant(tenantId, async () => {
      const inbound = await this.db.em.getRepository(InboundEventEntity).findOne({ where: { id: inboundEventId, tenant_id: tenantId } });
      if (!inbound) return 'missing';
      const source = await this.db.em.getRepository(InboundSourceEntity).findOne({ where: { id: inbound.source_id } });
      const payload = this.payloadOf(inbound);
      const eventType =
        normalizeEventType(source?.event_type_path ? readJsonPath(payload, source.event_type_path) : undefined) ??
        normalizeEventType(inbound.event_type) ??
        FALLBACK_EVENT_TYPE;
      const now = this.clock.now();
      if (source?.filter && !matchesFilter(source.filter, payload)) {
        await this.db.em
          .getRepository(InboundEventEntity)
          .update({ id: inbound.id }, { status: 'filtered', event_type: eventType, routed_at: now, routing_error: null });
        return 'filtered';
      }
      const published = await this.events.publishInTenant(tenantId, {
        event_name: eventType,
        source: `inbound:${source?.name ?? inbound.provider}`,
        payload,
        idempotency_key: `inbound:${inbound.id}:${generation}`,
      });
      await this.db.em.getRepository(InboundEventEntity).update(
        { id: inbound.id },
        { status: 'routed', event_type: eventType, routed_event_id: published.id, routed_at: now, routing_error: null },
      );
      return 'routed';
    });
  }

  /** Records a failed routing attempt; `final` marks it failed for good (still replayable). */
  async recordFailure(tenantId: string, inboundEventId: string, error: string, final: boolean): Promise<void> {
    await this.db.runInTenant(tenantId, () =>
      this.db.em.query(
        `UPDATE inbound_events SET routing_attempts = routing_attempts + 1, routing_error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END WHERE id = $1`,
        [inboundEventId, error.slice(0, 1000), final],
      ),
    );
  }

  /** JSON bodies as parsed; anything else as base64 with its content type, so nothing is lost. */
  private payloadOf(inbound: InboundEventEntity): unknown {
    const text = inbound.raw_body.toString('utf8');
    if (!inbound.content_type || /json/i.test(inbound.content_type)) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // not JSON after all: fall through
      }
    }
    return { content_type: inbound.content_type, body_base64: inbound.raw_body.toString('base64') };
  }
}
