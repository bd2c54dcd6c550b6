import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { Feature } from '../license-terms';
import type { AllocatedQuotas } from '../allocation-rules';

@Entity('license_allocations')
export class LicenseAllocationEntity {
  @PrimaryColumn('uuid', { name: 'allocated_to' }) allocated_to: TenantId;
  @Column('jsonb') quotas: AllocatedQuotas;
  @Column('text', { array: true, nullable: true }) features: Feature[] | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
