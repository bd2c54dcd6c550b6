import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

/** A tenant's data key, stored only wrapped by the master keyring; at most one per tenant has no retired_at. */
@Entity('tenant_data_keys')
export class TenantDataKeyEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text', { name: 'wrapped_key' }) wrapped_key: string;
  @Column('text', { name: 'master_key_id' }) master_key_id: string;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'retired_at', nullable: true }) retired_at: Date | null;
}
