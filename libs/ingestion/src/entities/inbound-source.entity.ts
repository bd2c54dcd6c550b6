import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { CaseMapping } from '@conduit/cases';
import type { InboundProvider } from '@conduit/signatures';

export type InboundProviderName = InboundProvider;

@Entity('inbound_sources')
export class InboundSourceEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text') name: string;
  @Column('text') provider: InboundProviderName;
  @Column('text', { name: 'source_key' }) source_key: string;
  @Column('text', { name: 'secret_sealed', nullable: true }) secret_sealed: string | null;
  @Column('text', { name: 'previous_secret_sealed', nullable: true }) previous_secret_sealed: string | null;
  /** mask() of the current secret; null for one set before hints were kept (then answers open the secret). */
  @Column('text', { name: 'secret_hint', nullable: true }) secret_hint: string | null;
  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true })
  previous_secret_expires_at: Date | null;
  @Column('cidr', { name: 'allowed_cidrs', array: true }) allowed_cidrs: string[];
  @Column('text', { name: 'event_type_path', nullable: true }) event_type_path: string | null;
  @Column('jsonb', { nullable: true }) filter: Record<string, unknown> | null;
  /** Items of accepted requests become case events and cases (@conduit/cases' CaseMapping); null: they do not. */
  @Column('jsonb', { name: 'case_mapping', nullable: true }) case_mapping: CaseMapping | null;
  @Column('int', { name: 'max_body_bytes' }) max_body_bytes: number;
  @Column('boolean', { name: 'is_active' }) is_active: boolean;
  @Column('bigint', { name: 'rejected_count' }) rejected_count: string;
  @Column('text', { name: 'last_rejected_reason', nullable: true }) last_rejected_reason: string | null;
  @Column('timestamptz', { name: 'last_rejected_at', nullable: true }) last_rejected_at: Date | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deleted_at: Date | null;
}
