import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { Page, assertTimeWindow, decodeCursor, toPage } from '@conduit/platform';
import { AuditEventResponse, ListAuditEventsQueryDto } from './dto/audit-event.dto';
import { AuditEventEntity } from './entities/audit-event.entity';
import { AuditEventsRepository } from './repositories/audit-events.repository';

function presentAuditEvent(e: AuditEventEntity): AuditEventResponse {
  return {
    id: e.id,
    tenant_id: e.tenant_id,
    actor_type: e.actor_type,
    actor_id: e.actor_id,
    actor_label: e.actor_label,
    action: e.action,
    target_type: e.target_type,
    target_id: e.target_id,
    outcome: e.outcome,
    status_code: e.status_code,
    ip: e.ip,
    request_id: e.request_id,
    changes: e.changes,
    metadata: e.metadata,
    created_at: e.created_at.toISOString(),
  };
}

@Injectable()
export class AuditEventsService {
  constructor(
    private readonly events: AuditEventsRepository,
    private readonly access: AccessService,
  ) {}

  async list(query: ListAuditEventsQueryDto): Promise<Page<AuditEventResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'AuditEvent', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    assertTimeWindow(query.since, query.until);
    const rows = await this.events.page(tenantId, query, { limit, cursor });
    return toPage(rows, limit, presentAuditEvent);
  }
}
