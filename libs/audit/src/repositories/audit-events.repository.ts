// The SQL over audit_events (append-only: the runtime role may not update or delete), in the caller's transaction.
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, newestFirst, within } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { AuditEventEntity, AuditOutcome } from '../entities/audit-event.entity';

export interface AuditEventFilter {
  action?: string;
  actor_id?: string;
  target_type?: string;
  target_id?: string;
  outcome?: AuditOutcome;
  since?: Date;
  until?: Date;
}

@Injectable()
export class AuditEventsRepository {
  constructor(private readonly db: TenantContext) {}

  async append(row: AuditEventEntity): Promise<void> {
    await this.db.insert(AuditEventEntity, row);
  }

  page(tenantId: TenantId, filter: AuditEventFilter, page: PageRequest): Promise<AuditEventEntity[]> {
    const qb = this.db.em
      .getRepository(AuditEventEntity)
      .createQueryBuilder('a')
      .where('a.tenant_id = :tenantId', { tenantId });
    if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
    if (filter.actor_id) qb.andWhere('a.actor_id = :actor', { actor: filter.actor_id });
    if (filter.target_type) qb.andWhere('a.target_type = :tt', { tt: filter.target_type });
    if (filter.target_id) qb.andWhere('a.target_id = :tid', { tid: filter.target_id });
    if (filter.outcome) qb.andWhere('a.outcome = :outcome', { outcome: filter.outcome });
    return newestFirst(within(qb, 'a', filter), 'a', page).getMany();
  }
}
