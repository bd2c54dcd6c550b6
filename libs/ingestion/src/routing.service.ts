// Routing (worker side): turn an accepted inbound request into a tenant event for the outgoing fan-out.
import { Injectable, Logger } from '@nestjs/common';
import { CaseIngest, jsonPathMatches } from '@conduit/cases';
import { TenantContext, isDatabaseUnavailable } from '@conduit/database';
import { Clock, TenantId, findRefusedInput } from '@conduit/platform';
import { EventsService, PublishInput, ROUTED_SOURCE_PREFIX, matchesFilter } from '@conduit/webhooks';
import { isJsonContentType, withoutBom } from './body-format';
import { InboundEventsRepository, RoutableInbound, RoutedOutcome } from './repositories/inbound-events.repository';

export type RoutingOutcome = 'routed' | 'filtered' | 'missing';

/** A request of a job that could not be routed (recorded on its row). */
export interface RoutingFailure {
  id: string;
  error: Error;
}

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
 * to fit. Shortened before the trailing dot is dropped: a cut that lands after a dot cannot leave the name ending in
 * one.
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
  private readonly logger = new Logger(RoutingService.name);

  constructor(
    private readonly db: TenantContext,
    private readonly inbound: InboundEventsRepository,
    private readonly events: EventsService,
    private readonly caseIngest: CaseIngest,
    private readonly clock: Clock,
  ) {}

  /**
   * Routes a job's requests: all in one transaction (one read, one bulk publish, one update), and when that fails
   * (one request's publish fails, or anything else; the batch then rolled back whole) each in its own transaction, so
   * a failing request is recorded on its row (`final`: marked failed) and does not hold up the others. Idempotent per
   * (request, generation) either way. Answers the requests that could not be routed.
   */
  async routeAll(
    tenantId: TenantId,
    inboundEventIds: string[],
    generation: number,
    final: boolean,
  ): Promise<RoutingFailure[]> {
    const ids = [...new Set(inboundEventIds)];
    if (ids.length > 1) {
      try {
        await this.routeBatch(tenantId, ids, generation);
        return [];
      } catch (err) {
        // The database away: one by one would fail alike. The job is retried with its backoff, nothing recorded.
        if (isDatabaseUnavailable(err)) throw err;
        this.logger.warn(
          { tenant_id: tenantId, count: ids.length, err: (err as Error).message },
          'batch routing failed; routing one by one',
        );
      }
    }
    const failures: RoutingFailure[] = [];
    for (const id of ids) {
      try {
        await this.route(tenantId, id, generation);
      } catch (err) {
        if (isDatabaseUnavailable(err)) throw err;
        failures.push({ id, error: err as Error });
        await this.recordFailure(tenantId, id, (err as Error).message, final);
      }
    }
    return failures;
  }

  /** Idempotent per (inbound event, generation): a retried job publishes the same outgoing event once. */
  async route(tenantId: TenantId, inboundEventId: string, generation: number): Promise<RoutingOutcome> {
    return this.db.runInTenant(tenantId, async () => {
      const inbound = await this.inbound.routableOne(tenantId, inboundEventId);
      if (!inbound) return 'missing';
      const { payload, eventType, filtered } = readInbound(inbound);
      await this.ingestCases(tenantId, inbound, payload);
      const now = this.clock.now();
      if (filtered) {
        const filtered = { id: inbound.id, status: 'filtered', event_type: eventType, routed_event_id: null } as const;
        await this.inbound.markRouted(tenantId, filtered, now);
        return 'filtered';
      }
      const published = await this.events.publishInTenant(
        tenantId,
        publishInput(inbound, payload, eventType, generation),
      );
      const routed = {
        id: inbound.id,
        status: 'routed',
        event_type: eventType,
        routed_event_id: published.id,
      } as const;
      await this.inbound.markRouted(tenantId, routed, now);
      return 'routed';
    });
  }

  /**
   * Several requests in one tenant transaction; all or nothing (a failure rolls the whole batch back, and with it any
   * after-commit work). Missing requests are skipped, as route() answers 'missing'.
   */
  async routeBatch(tenantId: TenantId, inboundEventIds: string[], generation: number): Promise<void> {
    await this.db.runInTenant(tenantId, async () => {
      const rows = await this.inbound.routable(tenantId, inboundEventIds);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const outcomes: RoutedOutcome[] = [];
      const toPublish: { id: string; input: PublishInput }[] = [];
      for (const id of inboundEventIds) {
        const inbound = byId.get(id);
        if (!inbound) continue;
        const { payload, eventType, filtered } = readInbound(inbound);
        await this.ingestCases(tenantId, inbound, payload);
        if (filtered) outcomes.push({ id, status: 'filtered', event_type: eventType, routed_event_id: null });
        else toPublish.push({ id, input: publishInput(inbound, payload, eventType, generation) });
      }
      const published = toPublish.length
        ? await this.events.publishManyInTenant(
            tenantId,
            toPublish.map((p) => p.input),
          )
        : [];
      toPublish.forEach(({ id, input }, i) =>
        outcomes.push({ id, status: 'routed', event_type: input.event_name, routed_event_id: published[i].id }),
      );
      if (outcomes.length === 0) return;
      await this.inbound.markRoutedMany(tenantId, outcomes, this.clock.now());
    });
  }

  /**
   * Push ingestion: a request of a source with a case_mapping gives its items to CaseIngest, in the routing
   * transaction (its events commit with the routing outcome, or neither does). Independent of the source's routing
   * filter, which decides the fan-out only; the mapping has its own filter. A retried or replayed request gives the
   * same items again, which deduplication drops.
   */
  private async ingestCases(tenantId: TenantId, inbound: RoutableInbound, payload: unknown): Promise<void> {
    if (!inbound.case_mapping || !inbound.source_id) return;
    const items = pushedItems(payload, inbound.case_mapping.items_path ?? null);
    if (items.length === 0) return;
    await this.caseIngest.ingest(
      tenantId,
      { kind: 'push', inboundSourceId: inbound.source_id },
      inbound.case_mapping,
      items,
    );
  }

  /** Records a failed routing attempt; `final` marks it failed for good (still replayable). */
  async recordFailure(tenantId: TenantId, inboundEventId: string, error: string, final: boolean): Promise<void> {
    await this.db.runInTenant(tenantId, () =>
      this.inbound.recordFailure(tenantId, inboundEventId, error.slice(0, 1000), final),
    );
  }
}

/**
 * The items of a pushed body: with items_path, what it matches (the elements of a single array match, else every
 * match); without, the elements of a body that is an array, else the body as one item.
 */
export function pushedItems(payload: unknown, itemsPath: string | null): unknown[] {
  if (itemsPath) {
    const matches = jsonPathMatches(itemsPath, payload);
    return matches.length === 1 && Array.isArray(matches[0]) ? (matches[0] as unknown[]) : matches;
  }
  return Array.isArray(payload) ? payload : [payload];
}

/** What routing makes of a request: its payload, its event name, and whether its source's filter excludes it. */
function readInbound(inbound: RoutableInbound): { payload: unknown; eventType: string; filtered: boolean } {
  const payload = payloadOf(inbound);
  const eventType =
    normalizeEventType(inbound.event_type_path ? readJsonPath(payload, inbound.event_type_path) : undefined) ??
    normalizeEventType(inbound.event_type) ??
    FALLBACK_EVENT_TYPE;
  return { payload, eventType, filtered: !!inbound.filter && !matchesFilter(inbound.filter, payload) };
}

/** The outgoing event of a request; the key makes publishing it idempotent per (request, generation). */
function publishInput(inbound: RoutableInbound, payload: unknown, eventType: string, generation: number): PublishInput {
  return {
    event_name: eventType,
    source: `${ROUTED_SOURCE_PREFIX}${inbound.source_name ?? inbound.provider}`,
    payload,
    idempotency_key: `inbound:${inbound.id}:${generation}`,
  };
}

/**
 * JSON bodies as parsed; anything else as base64 with its content type, so nothing is lost. So is JSON that
 * POST /api/v1/events would refuse as a payload (see findRefusedInput: NUL characters or unpaired surrogates, which
 * PostgreSQL refuses, numbers beyond double range, which would become null, whole numbers beyond 2^53 - 1, which
 * parsing has already rounded, __proto__/constructor/prototype keys, or nesting deeper than the API accepts, which
 * the fan-out cannot serialize): routed exactly as it was received, not failed and not changed.
 */
export function payloadOf(inbound: { raw_body: Buffer; content_type: string | null }): unknown {
  // The same reading as the receive path: JSON content types (or none), after a UTF-8 byte order mark if any.
  if (!inbound.content_type || isJsonContentType(inbound.content_type)) {
    try {
      const parsed = JSON.parse(withoutBom(inbound.raw_body).toString('utf8')) as unknown;
      if (!findRefusedInput(parsed)) return parsed;
    } catch {
      // not JSON after all: fall through
    }
  }
  return { content_type: inbound.content_type, body_base64: inbound.raw_body.toString('base64') };
}
