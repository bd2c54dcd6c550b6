import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const CASE_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const CASE_SOURCES = ['instance', 'push', 'manual'] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];

/** Severity order, for escalation (a rule only ever raises). */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

@Entity('cases')
export class CaseEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  /** The tenant's case number (1, 2, ...): the seed's case id. */
  @Column('integer', { name: 'case_id' }) case_id: number;
  @Column('text') title: string;
  @Column('text') severity: Severity;
  @Column('text') status: CaseStatus;
  @Column('text') source: CaseSource;
  @Column('uuid', { name: 'instance_uuid', nullable: true }) instance_uuid: string | null;
  @Column('uuid', { name: 'inbound_source_id', nullable: true }) inbound_source_id: string | null;
  @Column('text', { name: 'case_key', nullable: true }) case_key: string | null;
  @Column('text', { nullable: true }) assignee: string | null;
  @Column('text', { array: true }) tags: string[];
  @Column('integer') version: number;
  @Column('integer', { name: 'event_count' }) event_count: number;
  @Column('timestamptz', { name: 'first_event_at', nullable: true }) first_event_at: Date | null;
  @Column('timestamptz', { name: 'last_event_at', nullable: true }) last_event_at: Date | null;
  @Column('timestamptz', { name: 'escalated_at', nullable: true }) escalated_at: Date | null;
  @Column('timestamptz', { name: 'closed_at', nullable: true }) closed_at: Date | null;
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
