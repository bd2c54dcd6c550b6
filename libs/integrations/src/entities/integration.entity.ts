import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { FieldDefinition } from '../fields';

export const INTEGRATION_STATUSES = ['active', 'inactive', 'draft', 'deleted'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

@Entity('integrations')
export class IntegrationEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  /** The tenant's sequence number (catalogue_counters, kind integration): the seed's integer id. */
  @Column('integer', { name: 'integration_id' }) integration_id: number;
  @Column('text') title: string;
  @Column('text') description: string;
  @Column('text') version: string;
  @Column('text') category: string;
  @Column('text') status: IntegrationStatus;
  @Column('jsonb') fields: FieldDefinition[];
  @Column('jsonb') metadata: Record<string, unknown>;
  @Column('boolean') shared: boolean;
  @Column('boolean', { name: 'generic_app' }) generic_app: boolean;
  /** The logo's bytes: never read by lists or gets (select: false), only by the logo route. */
  @Column('bytea', { nullable: true, select: false }) logo?: Buffer | null;
  @Column('text', { name: 'logo_content_type', nullable: true }) logo_content_type: string | null;
  @Column('text', { name: 'logo_sha256', nullable: true }) logo_sha256: string | null;
  @Column('integer', { name: 'logo_size', nullable: true }) logo_size: number | null;
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deleted_at: Date | null;
}
