// Routing (worker side): turn an accepted inbound request into a tenant event for the outgoing fan-out.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock, findInputProblem } from '@conduit/platform';
import { EventsService, matchesFilter } from '@conduit/webhooks';
import { isJsonContentType, withoutBom } from './body-format';

export type RoutingOutcome = 'routed' | 'filtered' | 'missing';

const FALLBACK_EVENT_TYPE = 'webhook.received';
const MAX_EVENT_NAME = 200;

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

/**
 * Event names are dot-separated words of at most 200 characters (EVENT_NAME); anything else a provider sends is made
 * to fit. Shortened before the trailing dot is dropped: a cut that lands after a dot cannot leave the name ending in one.
 */
export function normalizeEventType(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const cleaned = String(raw)
    .trim()
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^\./, '')
    .slice(0, MAX_EVENT_NAME)
    .replace(/\.$/, '');
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
      // The request and what routing needs of its source, in one statement (plain SQL: this runs per request).
      const [inbound] = (await this.db.em.query(
        `SELECT e.id, e.provider, e.event_type, e.content_type, e.raw_body, s.name AS source_name, s.event_type_path, s.filter
           FROM inbound_events e LEFT JOIN inbound_sources s ON s.id = e.source_id AND s.tenant_id = e.tenant_id
          WHERE e.id = $1 AND e.tenant_id = $2`,
        [inboundEventId, tenantId],
      )) as RoutableInbound[];
      if (!inbound) return 'missing';
      const payload = payloadOf(inbound);
      const eventType =
        normalizeEventType(inbound.event_type_path ? readJsonPath(payload, inbound.event_type_path) : undefined) ??
        normalizeEventType(inbound.event_type) ??
        FALLBACK_EVENT_TYPE;
      const now = this.clock.now();
      if (inbound.filter && !matchesFilter(inbound.filter, payload)) {
        await this.markRouted(inbound.id, 'filtered', eventType, null, now);
        return 'filtered';
      }
      const published = await this.events.publishInTenant(tenantId, {
        event_name: eventType,
        source: `inbound:${inbound.source_name ?? inbound.provider}`,
        payload,
        idempotency_key: `inbound:${inbound.id}:${generation}`,
      });
      await this.markRouted(inbound.id, 'routed', eventType, published.id, now);
      return 'routed';
    });
  }

  private async markRouted(id: string, status: 'routed' | 'filtered', eventType: string, routedEventId: string | null, now: Date): Promise<void> {
    await this.db.em.query(
      `UPDATE inbound_events SET status = $2, event_type = $3, routed_event_id = $4, routed_at = $5, routing_error = NULL WHERE id = $1`,
      [id, status, eventType, routedEventId, now],
    );
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
}

interface RoutableInbound {
  id: string;
  provider: string;
  event_type: string | null;
  content_type: string | null;
  raw_body: Buffer;
  source_name: string | null;
  event_type_path: string | null;
  filter: Record<string, unknown> | null;
}

/**
 * JSON bodies as parsed; anything else as base64 with its content type, so nothing is lost. So is JSON an event
 * payload cannot hold (see findInputProblem: NUL characters or unpaired surrogates, which PostgreSQL refuses, numbers
 * beyond double range, which would become null, or nesting deeper than the API accepts, which the fan-out cannot
 * serialize): routed as it was received, not failed.
 */
export function payloadOf(inbound: { raw_body: Buffer; content_type: string | null }): unknown {
  // The same reading as the receive path: JSON content types (or none), after a UTF-8 byte order mark if any.
  if (!inbound.content_type || isJsonContentType(inbound.content_type)) {
    try {
      const parsed = JSON.parse(withoutBom(inbound.raw_body).toString('utf8')) as unknown;
      if (!findInputProblem(parsed)) return parsed;
    } catch {
      // not JSON after all: fall through
    }
  }
  return { content_type: inbound.content_type, body_base64: inbound.raw_body.toString('base64') };
}
