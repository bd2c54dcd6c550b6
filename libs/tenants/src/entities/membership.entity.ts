import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { Role } from '@conduit/access';

@Entity('memberships')
export class MembershipEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'user_id' }) user_id: string;
  @Column('text') role: Role;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
