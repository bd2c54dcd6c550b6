import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '@conduit/access';
import type { TenantId } from '@conduit/platform';

/** Which SAML attribute carries the user's email, display name and groups (absent: the NameID is the email). */
export interface AttributeMapping {
  email?: string;
  display_name?: string;
  groups?: string;
}

/** IdP group name → the Conduit role its members get in this tenant. */
export type RoleMapping = Record<string, Role>;

@Entity('sso_connections')
export class SsoConnectionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text') name: string;
  @Column('text') protocol: 'saml';
  @Column('text', { name: 'idp_entity_id' }) idp_entity_id: string;
  @Column('text', { name: 'idp_sso_url' }) idp_sso_url: string;
  @Column('text', { name: 'idp_slo_url', nullable: true }) idp_slo_url: string | null;
  /** PEM certificates the IdP signs with (several during a rollover). */
  @Column('text', { name: 'idp_certificates', array: true }) idp_certificates: string[];
  @Column('jsonb', { name: 'attribute_mapping' }) attribute_mapping: AttributeMapping;
  @Column('jsonb', { name: 'role_mapping' }) role_mapping: RoleMapping;
  /** The role of a user none of whose groups is mapped; null: such a user is refused (saml_no_role). */
  @Column('text', { name: 'default_role', nullable: true }) default_role: Role | null;
  @Column('boolean', { name: 'jit_provisioning' }) jit_provisioning: boolean;
  @Column('boolean', { name: 'allow_idp_initiated' }) allow_idp_initiated: boolean;
  @Column('boolean') enabled: boolean;
  /** The SP's signing certificate (PEM), published in the SP metadata. */
  @Column('text', { name: 'sp_certificate' }) sp_certificate: string;
  /** The SP's private key, sealed by the tenant's data key (SecretBox); never answered. */
  @Column('text', { name: 'sp_private_key_sealed' }) sp_private_key_sealed: string;
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
