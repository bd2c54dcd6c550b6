import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

/** An identity provider's group in a tenant; its display name is what an SSO connection's role_mapping maps. */
@Entity('scim_groups')
export class ScimGroupEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text', { name: 'display_name' }) display_name: string;
  @Column('text', { name: 'external_id', nullable: true }) external_id: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}

@Entity('scim_group_members')
export class ScimGroupMemberEntity {
  @PrimaryColumn('uuid', { name: 'group_id' }) group_id: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) user_id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
}
