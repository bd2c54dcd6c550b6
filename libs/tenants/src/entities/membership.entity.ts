import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { Role } from '@conduit/access';

export type MembershipStatus = 'active' | 'disabled';
export type MembershipSource = 'local' | 'jit' | 'scim';

@Entity('memberships')
export class MembershipEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'user_id' }) user_id: string;
  @Column('text') role: Role;
  /** This tenant's say on the person: a disabled membership cannot act here, elsewhere it is untouched. */
  @Column('text') status: MembershipStatus;
  @Column('text', { name: 'display_name', nullable: true }) display_name: string | null;
  @Column('timestamptz', { name: 'last_login_at', nullable: true }) last_login_at: Date | null;
  /** How the membership came to be: created by an admin or the API (local), at a first SSO sign-in (jit), by SCIM. */
  @Column('text') source: MembershipSource;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
