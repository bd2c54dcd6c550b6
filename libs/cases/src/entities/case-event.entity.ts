import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { Severity } from './case.entity';

@Entity('case_events')
export class CaseEventEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  /** The case it is attached to; null when its source does not open cases (auto_create_cases false). */
  @Column('uuid', { name: 'case_id', nullable: true }) case_id: string | null;
  @Column('text') source: 'instance' | 'push';
  @Column('uuid', { name: 'instance_uuid', nullable: true }) instance_uuid: string | null;
  @Column('uuid', { name: 'inbound_source_id', nullable: true }) inbound_source_id: string | null;
  @Column('uuid', { name: 'source_ref' }) source_ref: string;
  @Column('text', { name: 'external_id' }) external_id: string;
  @Column('text', { nullable: true }) title: string | null;
  @Column('text', { nullable: true }) severity: Severity | null;
  @Column('text', { nullable: true }) status: string | null;
  @Column('timestamptz', { name: 'occurred_at' }) occurred_at: Date;
  /** The item as received. */
  @Column('jsonb') raw: unknown;
  /** What the ingestion's dependent tasks answered for it, by task tag; null without dependent tasks. */
  @Column('jsonb', { nullable: true }) enrichment: Record<string, unknown> | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
}
