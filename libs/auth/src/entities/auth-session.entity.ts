import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

export type SessionMethod = 'password' | 'saml' | 'jwks';

/** One refresh-token family: each refresh rotates current_token_id; presenting an older one revokes the family. */
@Entity('auth_sessions')
export class AuthSessionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('uuid', { name: 'user_id' }) user_id: string;
  @Column('uuid', { name: 'current_token_id' }) current_token_id: string;
  @Column('text', { name: 'current_token_hash' }) current_token_hash: string;
  @Column('text', { nullable: true }) ip: string | null;
  @Column('text', { name: 'user_agent', nullable: true }) user_agent: string | null;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
  @Column('timestamptz', { name: 'last_used_at' }) last_used_at: Date;
  @Column('timestamptz', { name: 'expires_at' }) expires_at: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revoked_at: Date | null;
  @Column('text', { name: 'revoked_reason', nullable: true }) revoked_reason: string | null;
  /** How the session began. */
  @Column('text') method: SessionMethod;
  /** The SSO connection it began through (method saml). */
  @Column('uuid', { name: 'connection_id', nullable: true }) connection_id: string | null;
}

@Entity('revoked_access_tokens')
export class RevokedAccessTokenEntity {
  @PrimaryColumn('uuid') jti: string;
  @Column('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('timestamptz', { name: 'expires_at' }) expires_at: Date;
  @Column('timestamptz', { name: 'created_at' }) created_at: Date;
}
