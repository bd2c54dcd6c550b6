// The SQL over audit_events (append-only: the runtime role may not update or delete), in the caller's transaction.
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, TenantStatement, newestFirst, within } from '@conduit/database';
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

  /** Written with the transaction's COMMIT, in the same message (nothing in a transaction reads its audit row back). */
  async append(row: AuditEventEntity): Promise<void> {
    await this.db.atCommit(
      `INSERT INTO audit_events (id, tenant_id, actor_type, actor_id, actor_label, action, target_type, target_id,
        outcome, status_code, ip, user_agent, request_id, changes, metadata, created_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb, $16)`,
      [
        row.id,
        row.tenant_id,
        row.actor_type,
        row.actor_id,
        row.actor_label,
        row.action,
        row.target_type,
        row.target_id,
        row.outcome,
        row.status_code,
        row.ip,
        row.user_agent,
        row.request_id,
        row.changes === null ? null : JSON.stringify(row.changes),
        row.metadata === null ? null : JSON.stringify(row.metadata),
        row.created_at,
      ],
    );
  }

  /** Rows of one tenant in one statement, in the caller's transaction. */
  async appendMany(rows: AuditEventEntity[]): Promise<void> {
    const { sql, values } = this.appendManyStatement(rows);
    await this.db.em.query(sql, [...values]);
  }

  /** Rows of one tenant as one INSERT (the rows as one JSON array), for a round trip its caller runs in that tenant. */
  appendManyStatement(rows: AuditEventEntity[]): TenantStatement {
    return {
      sql: `INSERT INTO audit_events (id, tenant_id, actor_type, actor_id, actor_label, action, target_type, target_id, outcome,
              status_code, ip, user_agent, request_id, changes, metadata, created_at)
            SELECT a.id, a.tenant_id, a.actor_type, a.actor_id, a.actor_label, a.action, a.target_type, a.target_id, a.outcome,
              a.status_code, a.ip, a.user_agent, a.request_id, a.changes, a.metadata, a.created_at
              FROM jsonb_to_recordset($1::jsonb) AS a(id uuid, tenant_id uuid, actor_type text, actor_id uuid, actor_label text,
                action text, target_type text, target_id text, outcome text, status_code integer, ip text, user_agent text,
                request_id text, changes jsonb, metadata jsonb, created_at timestamptz)`,
      values: [JSON.stringify(rows)],
    };
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
