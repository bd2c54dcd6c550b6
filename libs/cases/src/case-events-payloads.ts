// The payloads of the case.* operational events: small (ids, title, severity, status, counts), never the raw item;
// case.event_added carries what the ingestion's dependent tasks answered for the event (null without them).
import type { CaseEntity } from './entities/case.entity';

export const CASE_EVENT_NAMES = ['case.created', 'case.updated', 'case.event_added', 'case.escalated'] as const;

export function casePayload(row: CaseEntity): Record<string, unknown> {
  return {
    id: row.id,
    case_id: row.case_id,
    title: row.title,
    severity: row.severity,
    status: row.status,
    source: row.source,
    instance_uuid: row.instance_uuid,
    inbound_source_id: row.inbound_source_id,
    case_key: row.case_key,
    assignee: row.assignee,
    event_count: row.event_count,
    version: row.version,
  };
}

export function caseEventPayload(
  row: CaseEntity,
  event: {
    id: string;
    external_id: string;
    title: string | null;
    severity: string | null;
    enrichment?: Record<string, unknown> | null;
  },
): Record<string, unknown> {
  return {
    case: { id: row.id, case_id: row.case_id, title: row.title, severity: row.severity, status: row.status },
    event: {
      id: event.id,
      external_id: event.external_id,
      title: event.title,
      severity: event.severity,
      enrichment: event.enrichment ?? null,
    },
  };
}
