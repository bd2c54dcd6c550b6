import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

/** A tenant's SCIM bearer token: its SHA-256 only; the token itself is answered once, at creation. */
@Entity('scim_tokens')
export class ScimTokenEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  /** The SSO connection whose role_mapping and default_role turn this token's SCIM groups into roles. */
  @Column('uuid', { name: 'connection_id' }) connection_id: string;
  @Column('text') name: string;
  /** 12 hex characters after `cscim_`: finds the row before the tenant is known. */
  @Column('text') prefix: string;
  @Column('text', { name: 'token_hash' }) token_hash: string;
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) last_used_at: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revoked_at: Date | null;
}
