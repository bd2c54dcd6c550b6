import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type AuditActorType = 'user' | 'api_key' | 'system' | 'anonymous';
export type AuditOutcome = 'success' | 'failure' | 'denied';

@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text', { name: 'actor_type' }) actor_type: AuditActorType;
  @Column('uuid', { name: 'actor_id', nullable: true }) actor_id: string | null;
  @Column('text', { name: 'actor_label', nullable: true }) actor_label: string | null;
  @Column('text') action: string;
  @Column('text', { name: 'target_type', nullable: true }) target_type: string | null;
  @Column('text', { name: 'target_id', nullable: true }) target_id: string | null;
  @Column('text') outcome: AuditOutcome;
  @Column('int', { name: 'status_code', nullable: true }) status_code: number | null;
  @Column('text', { nullable: true }) ip: string | null;
  @Column('text', { name: 'user_agent', nullable: true }) user_agent: string | null;
  @Column('text', { name: 'request_id', nullable: true }) request_id: string | null;
  @Column('jsonb', { nullable: true }) changes: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) metadata: Record<string, unknown> | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
}
