// Appends audit rows. Runs inside the caller's transaction so a change and its audit row commit together.
import { Injectable } from '@nestjs/common';
import { TenantContext, TenantStatement } from '@conduit/database';
import { Clock, IdGenerator, InvariantError, TenantId, maskSecrets } from '@conduit/platform';
import { AuditActorType, AuditEventEntity, AuditOutcome } from './entities/audit-event.entity';
import { AuditEventsRepository } from './repositories/audit-events.repository';

export interface AuditEntry {
  tenantId: TenantId;
  action: string;
  outcome: AuditOutcome;
  actor: { type: AuditActorType; id?: string | null; label?: string | null };
  target?: { type: string; id?: string | null };
  statusCode?: number;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  /** request fields that changed; secret-looking keys are masked before storing */
  changes?: Record<string, unknown> | null;
  metadata?: Record<string, unknown> | null;
}

@Injectable()
export class AuditLog {
  constructor(
    private readonly db: TenantContext,
    private readonly events: AuditEventsRepository,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** Writes the row under the entry's tenant (scoping only this insert when already in another tenant). */
  async record(entry: AuditEntry): Promise<void> {
    const row = this.row(entry);
    await this.db.runInTenant(entry.tenantId, () => this.events.append(row));
  }

  /**
   * The rows of these entries, all of one tenant, as one INSERT: for a caller that commits them with the change they
   * record in a round trip of its own (TenantRoundTrip.queryMany, in that tenant).
   */
  statement(entries: AuditEntry[]): TenantStatement {
    return this.events.appendManyStatement(entries.map((e) => this.row(e)));
  }

  /** Several rows of one tenant in one statement, in the caller's transaction like record(). */
  async recordMany(tenantId: TenantId, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => this.row(e));
    if (rows.some((r) => r.tenant_id !== tenantId))
      throw new InvariantError('audit_tenant_mismatch', 'audit entries of another tenant');
    await this.db.runInTenant(tenantId, () => this.events.appendMany(rows));
  }

  private row(entry: AuditEntry): AuditEventEntity {
    return {
      id: this.ids.next(),
      tenant_id: entry.tenantId,
      actor_type: entry.actor.type,
      actor_id: entry.actor.id ?? null,
      actor_label: entry.actor.label ?? null,
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      outcome: entry.outcome,
      status_code: entry.statusCode ?? null,
      ip: entry.ip ?? null,
      user_agent: entry.userAgent ? entry.userAgent.slice(0, 512) : null,
      request_id: entry.requestId ?? null,
      changes: entry.changes ? (maskSecrets(entry.changes) as Record<string, unknown>) : null,
      metadata: entry.metadata ? (maskSecrets(entry.metadata) as Record<string, unknown>) : null,
      created_at: this.clock.now(),
    };
  }
}
