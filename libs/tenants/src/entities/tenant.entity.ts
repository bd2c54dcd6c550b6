import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type TenantStatus = 'active' | 'inactive' | 'suspended';
export type TenantIsolation = 'shared' | 'dedicated';
/** A dedicated tenant's database as last seen (null: shared). The sealed URL is deliberately not mapped here. */
export type ConnectionStatus = 'connected' | 'disconnected' | 'error';

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn('uuid') id: TenantId;
  @Column('text') code: string;
  @Column('text') name: string;
  @Column('uuid', { name: 'parent_id', nullable: true }) parent_id: TenantId | null;
  @Column('text') status: TenantStatus;
  @Column('text', { name: 'contact_email', nullable: true }) contact_email: string | null;
  @Column('jsonb') settings: Record<string, unknown>;
  @Column('jsonb', { name: 'compliance_settings' }) compliance_settings: Record<string, unknown>;
  @Column('text') isolation: TenantIsolation;
  @Column('text', { name: 'connection_status', nullable: true }) connection_status: ConnectionStatus | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deleted_at: Date | null;
}
