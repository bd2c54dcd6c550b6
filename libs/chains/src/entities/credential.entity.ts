import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

/** A tenant's named secret for `{{credentials.<name>}}`; the value exists only sealed. */
@Entity('credentials')
export class CredentialEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text') name: string;
  @Column('text', { nullable: true }) description: string | null;
  @Column('text', { name: 'value_sealed' }) value_sealed: string;
  /** Canonical entries (credential-hosts.ts): the only hosts a step may send the value to. Empty: none. */
  @Column('text', { name: 'allowed_hosts', array: true }) allowed_hosts: string[];
  @Column('text', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
