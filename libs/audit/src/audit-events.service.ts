import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Page, assertTimeWindow, decodeCursor, toPage } from '@conduit/platform';
import { AuditEventResponse, ListAuditEventsQueryDto } from './dto/audit-event.dto';
import { AuditEventEntity } from './entities/audit-event.entity';

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
    private readonly db: TenantContext,
    private readonly access: AccessService,
  ) {}

  async list(query: ListAuditEventsQueryDto): Promise<Page<AuditEventResponse>> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'AuditEvent', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const qb = this.db.em
      .getRepository(AuditEventEntity)
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId', { tenantId })
      .orderBy('a.created_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.actor_id) qb.andWhere('a.actor_id = :actor', { actor: query.actor_id });
    if (query.target_type) qb.andWhere('a.target_type = :tt', { tt: query.target_type });
    if (query.target_id) qb.andWhere('a.target_id = :tid', { tid: query.target_id });
    if (query.outcome) qb.andWhere('a.outcome = :outcome', { outcome: query.outcome });
    assertTimeWindow(query.since, query.until);
    if (query.since) qb.andWhere('a.created_at >= :since', { since: query.since });
    if (query.until) qb.andWhere('a.created_at < :until', { until: query.until });
    if (cursor) qb.andWhere('(a.created_at, a.id) < (:ca, :cid)', { ca: cursor.created_at, cid: cursor.id });
    return toPage(await qb.getMany(), limit, presentAuditEvent);
  }
}
