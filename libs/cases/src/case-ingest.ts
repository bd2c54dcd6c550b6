// The one code path from a tool's items to case events and cases, for polling (an instance's ingestion, run by the
// poller) and push (an inbound source with a case_mapping, run by ingestion's routing). Everything happens in the
// caller's tenant transaction, so a poller advances its cursor in the same commit as the page it stored.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, InvariantError, TenantId } from '@conduit/platform';
import { EventsService, OPERATIONAL_SOURCE, PublishInput } from '@conduit/webhooks';
import { CaseEventEntity } from './entities/case-event.entity';
import { CaseEntity, SEVERITY_RANK, Severity } from './entities/case.entity';
import {
  CaseMapping,
  CompiledCaseMapping,
  MappedItem,
  compileCaseMapping,
  mapItem,
  ruleHolds,
} from './mapping/case-mapping';
import { CaseEventsRepository, NewCaseEvent } from './repositories/case-events.repository';
import { CaseOrigin, CasesRepository } from './repositories/cases.repository';
import { caseEventPayload, casePayload } from './case-events-payloads';

/** Where items come from: an instance (polling) or an inbound source (push). */
export interface IngestSource {
  kind: 'instance' | 'push';
  instanceUuid?: string;
  inboundSourceId?: string;
}

/** What a batch did; stored + duplicates + filtered + invalid = the items given. */
export interface IngestResult {
  /** New events written. */
  stored: number;
  /** Items whose (source, external_id) was stored already (or repeated within the batch): dropped, not updated. */
  duplicates: number;
  /** Items the mapping's filter dropped. */
  filtered: number;
  /** Items without a usable external id, or whose mapping failed to evaluate. */
  invalid: number;
  cases_created: number;
  cases_updated: number;
}

/** A new case gets the first event's title, else this. */
const UNTITLED = 'Untitled case';
const DEFAULT_SEVERITY: Severity = 'medium';

interface Stored {
  event: NewCaseEvent;
  mapped: MappedItem;
}

@Injectable()
export class CaseIngest {
  constructor(
    private readonly db: TenantContext,
    private readonly cases: CasesRepository,
    private readonly caseEvents: CaseEventsRepository,
    private readonly events: EventsService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /**
   * In the CALLER's tenant transaction (it throws outside one), so a poller can advance its cursor in the same
   * transaction:
   * 1. maps and filters every item (mapping: checked by checkCaseMapping when it was saved);
   * 2. drops duplicates, never updating them: items repeated within the batch, and items whose (source,
   *    external_id) is stored already (read under a transaction-scoped lock of the source; the insert's ON CONFLICT
   *    DO NOTHING stays as the last guard);
   * 3. unless auto_create_cases is false (then the events are stored without a case), attaches the new events to
   *    cases: the open case of their case_key (for the same source) when its last event is within
   *    correlation_window_seconds (any time when there is no window), else a new one; an event without a case_key
   *    opens a case of its own; the events are then inserted in one statement, each with its case;
   * 4. raises each touched case's severity to its most severe new event's, then applies the escalation rules (over
   *    the case and its newest event): the highest severity a holding rule names, when above the case's, becomes the
   *    case's (escalated_at set);
   * 5. publishes case.created, case.updated (existing cases that got events), case.event_added (each event attached)
   *    and case.escalated (each raise) through the webhooks fan-out, in this same transaction.
   * `enrichment` (polling with dependent tasks): what they answered, by external id; stored with each new event,
   * shown to escalation rules as `event.enrichment` and in case.event_added.
   * A batch of 500 items takes a fixed number of round trips (about eight), whatever its size.
   */
  async ingest(
    tenantId: TenantId,
    source: IngestSource,
    mapping: CaseMapping,
    items: unknown[],
    enrichment?: ReadonlyMap<string, Record<string, unknown>>,
  ): Promise<IngestResult> {
    if (!this.db.inTransaction())
      throw new InvariantError('transaction_required', 'case ingestion runs in the caller’s tenant transaction');
    const origin = originOf(source);
    const sourceRef = origin.instance_uuid ?? origin.inbound_source_id;
    if (!sourceRef)
      throw new InvariantError('ingest_source_missing', 'an ingest source names its instance or inbound source');
    const result: IngestResult = {
      stored: 0,
      duplicates: 0,
      filtered: 0,
      invalid: 0,
      cases_created: 0,
      cases_updated: 0,
    };
    const now = this.clock.now();
    const compiled = compileCaseMapping(mapping);

    const candidates: Stored[] = [];
    const seen = new Set<string>();
    for (const raw of items) {
      const outcome = mapItem(compiled, raw);
      if (outcome.kind === 'filtered') result.filtered++;
      else if (outcome.kind === 'invalid') result.invalid++;
      else if (seen.has(outcome.item.external_id)) result.duplicates++;
      else {
        seen.add(outcome.item.external_id);
        const event = this.newEvent(source, origin, sourceRef, outcome.item, now);
        event.enrichment = enrichment?.get(event.external_id) ?? null;
        candidates.push({ mapped: outcome.item, event });
      }
    }
    if (candidates.length === 0) return result;
    if (compiled.mapping.auto_create_cases === false) {
      const inserted = await this.caseEvents.insertNew(
        tenantId,
        candidates.map((c) => c.event),
        now,
      );
      result.stored = inserted.size;
      result.duplicates += candidates.length - inserted.size;
      return result;
    }

    // One ingest of a source at a time (until this transaction ends): the events already stored, read under the
    // lock, are all there will be, so the new ones are known before their cases are made and each event is written
    // once, with its case. (Polling runs one ingest per instance anyway; pushes of one source queue here.)
    await this.cases.lockSource(sourceRef);
    const existing = await this.caseEvents.existing(
      tenantId,
      sourceRef,
      candidates.map((c) => c.event.external_id),
    );
    const fresh = candidates.filter((c) => !existing.has(c.event.external_id));
    result.duplicates += candidates.length - fresh.length;
    if (fresh.length === 0) return result;

    const publish = await this.attach(tenantId, source, origin, compiled, fresh, now, result);
    const inserted = await this.caseEvents.insertNew(
      tenantId,
      fresh.map((c) => c.event),
      now,
    );
    // Cannot happen under the source's lock; were it to, the counts written would be wrong: fail the transaction.
    if (inserted.size !== fresh.length)
      throw new InvariantError('case_event_raced', 'a case event was stored by another ingest of the same source');
    result.stored = inserted.size;
    if (publish.length > 0) await this.events.publishManyInTenant(tenantId, publish);
    return result;
  }

  private async attach(
    tenantId: TenantId,
    source: IngestSource,
    origin: CaseOrigin,
    compiled: CompiledCaseMapping,
    stored: Stored[],
    now: Date,
    result: IngestResult,
  ): Promise<PublishInput[]> {
    const keys = [...new Set(stored.map((s) => s.mapped.case_key).filter((k): k is string => k !== null))];
    const open = new Map((await this.cases.openCases(tenantId, origin, keys)).map((c) => [c.case_key as string, c]));
    const windowMs = (compiled.mapping.correlation_window_seconds ?? 0) * 1000;

    // Oldest first, so a window is measured from the event before.
    const ordered = [...stored].sort((a, b) => a.event.occurred_at.getTime() - b.event.occurred_at.getTime());
    const created: CaseEntity[] = [];
    const touched = new Map<string, { row: CaseEntity; added: NewCaseEvent[]; before: Severity }>();
    for (const { event, mapped } of ordered) {
      const key = mapped.case_key;
      let row = key === null ? undefined : open.get(key);
      if (
        row &&
        windowMs > 0 &&
        row.last_event_at &&
        event.occurred_at.getTime() - row.last_event_at.getTime() > windowMs
      )
        row = undefined;
      if (!row) {
        row = this.newCase(tenantId, source, origin, mapped, now);
        created.push(row);
        if (key !== null) open.set(key, row);
      }
      const entry = touched.get(row.id) ?? { row, added: [], before: row.severity };
      touched.set(row.id, entry);
      entry.added.push(event);
      event.case_id = row.id;
      // A case is as severe as its most severe event: ingestion raises it, never lowers it (an analyst may).
      const severity = event.severity as Severity | null;
      if (severity && SEVERITY_RANK[severity] > SEVERITY_RANK[row.severity]) row.severity = severity;
      row.event_count += 1;
      if (!row.first_event_at || event.occurred_at < row.first_event_at) row.first_event_at = event.occurred_at;
      if (!row.last_event_at || event.occurred_at > row.last_event_at) row.last_event_at = event.occurred_at;
    }

    const numbers = created.length ? await this.cases.nextNumbers(tenantId, created.length) : [];
    created.forEach((row, i) => (row.case_id = numbers[i]));
    const escalated = this.escalate(compiled, [...touched.values()], now);
    const isNew = new Set(created.map((c) => c.id));
    await this.cases.insertOpened(tenantId, created, now);
    const updated = [...touched.values()].map((t) => t.row).filter((r) => !isNew.has(r.id));
    await this.cases.applyIngest(tenantId, updated, now);
    result.cases_created = created.length;
    result.cases_updated = updated.length;

    const publish: PublishInput[] = [];
    const operational = (event_name: string, payload: unknown): PublishInput => ({
      event_name,
      source: OPERATIONAL_SOURCE,
      payload,
    });
    for (const row of created) publish.push(operational('case.created', casePayload(row)));
    for (const row of updated) publish.push(operational('case.updated', casePayload(row)));
    for (const { row, added } of touched.values())
      for (const e of added) publish.push(operational('case.event_added', caseEventPayload(row, e)));
    for (const { row, from, rule } of escalated)
      publish.push(operational('case.escalated', { ...casePayload(row), previous_severity: from, rule }));
    return publish;
  }

  /** Raises each touched case to the highest severity a holding rule names; answers the raises. */
  private escalate(
    compiled: CompiledCaseMapping,
    touched: { row: CaseEntity; added: NewCaseEvent[] }[],
    now: Date,
  ): { row: CaseEntity; from: Severity; rule: string }[] {
    if (compiled.rules.length === 0) return [];
    const raises: { row: CaseEntity; from: Severity; rule: string }[] = [];
    for (const { row, added } of touched) {
      const newest = added.reduce((a, b) => (b.occurred_at >= a.occurred_at ? b : a));
      const context = { case: caseContext(row), event: eventContext(newest) };
      let best: { severity: Severity; rule: string } | null = null;
      for (const { rule, when } of compiled.rules) {
        if (SEVERITY_RANK[rule.severity] <= SEVERITY_RANK[best?.severity ?? row.severity]) continue;
        if (ruleHolds(when, context)) best = { severity: rule.severity, rule: rule.name };
      }
      if (!best) continue;
      raises.push({ row, from: row.severity, rule: best.rule });
      row.severity = best.severity;
      row.escalated_at = now;
    }
    return raises;
  }

  private newEvent(
    source: IngestSource,
    origin: CaseOrigin,
    sourceRef: string,
    item: MappedItem,
    now: Date,
  ): NewCaseEvent {
    return {
      id: this.ids.next(),
      case_id: null,
      source: source.kind,
      ...origin,
      source_ref: sourceRef,
      external_id: item.external_id,
      title: item.title,
      severity: item.severity,
      status: item.status,
      occurred_at: item.occurred_at ?? now,
      raw: item.raw,
      enrichment: null,
    };
  }

  private newCase(
    tenantId: TenantId,
    source: IngestSource,
    origin: CaseOrigin,
    item: MappedItem,
    now: Date,
  ): CaseEntity {
    return {
      id: this.ids.next(),
      tenant_id: tenantId,
      case_id: 0,
      title: item.title ?? UNTITLED,
      severity: item.severity ?? DEFAULT_SEVERITY,
      status: 'open',
      source: source.kind,
      ...origin,
      case_key: item.case_key,
      assignee: null,
      tags: [],
      version: 1,
      event_count: 0,
      first_event_at: null,
      last_event_at: null,
      escalated_at: null,
      closed_at: null,
      created_by: null,
      created_at: now,
      updated_at: now,
    };
  }
}

function originOf(source: IngestSource): CaseOrigin {
  return source.kind === 'instance'
    ? { instance_uuid: source.instanceUuid ?? null, inbound_source_id: null }
    : { instance_uuid: null, inbound_source_id: source.inboundSourceId ?? null };
}

/** What escalation rules see as `case`. */
function caseContext(row: CaseEntity): Record<string, unknown> {
  return {
    id: row.id,
    case_id: row.case_id,
    title: row.title,
    severity: row.severity,
    severity_rank: SEVERITY_RANK[row.severity],
    status: row.status,
    case_key: row.case_key,
    event_count: row.event_count,
    tags: row.tags,
    first_event_at: row.first_event_at?.toISOString() ?? null,
    last_event_at: row.last_event_at?.toISOString() ?? null,
  };
}

/** What escalation rules see as `event`: the newest event, with its raw item and its enrichment (`{}` without). */
function eventContext(e: NewCaseEvent | CaseEventEntity): Record<string, unknown> {
  return {
    id: e.id,
    external_id: e.external_id,
    title: e.title,
    severity: e.severity,
    status: e.status,
    occurred_at: e.occurred_at.toISOString(),
    raw: e.raw,
    enrichment: e.enrichment ?? {},
  };
}
