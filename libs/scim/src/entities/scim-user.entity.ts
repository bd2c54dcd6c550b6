import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export interface ScimName {
  givenName?: string;
  familyName?: string;
  formatted?: string;
}

export interface ScimEmail {
  value: string;
  type?: string;
  primary?: boolean;
}

/** What the identity provider says about a member that the membership has no column for, per tenant. */
@Entity('scim_users')
export class ScimUserEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @PrimaryColumn('uuid', { name: 'user_id' }) user_id: string;
  @Column('text', { name: 'external_id', nullable: true }) external_id: string | null;
  @Column('jsonb') name: ScimName;
  @Column('jsonb') emails: ScimEmail[];
  /** The IdP's `active`; the membership is active only while this is true and the user's groups give a role. */
  @Column('boolean') active: boolean;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
