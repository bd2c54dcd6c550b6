import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import type { Role } from '@conduit/access';

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('text') name: string;
  @Column('text') prefix: string;
  @Column('text', { name: 'key_hash' }) key_hash: string;
  @Column('text') role: Role;
  @Column('text', { array: true }) scopes: string[];
  @Column('uuid', { name: 'created_by', nullable: true }) created_by: string | null;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expires_at: Date | null;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) last_used_at: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revoked_at: Date | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
}
