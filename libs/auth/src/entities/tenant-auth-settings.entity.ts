import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TenantId } from '@conduit/platform';

/** A tenant's session limits and whether it enforces SSO (one row per tenant; absent: the defaults, all off). */
@Entity('tenant_auth_settings')
export class TenantAuthSettingsEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenant_id: TenantId;
  @Column('boolean', { name: 'sso_enforced' }) sso_enforced: boolean;
  @Column('integer', { name: 'session_max_lifetime_seconds', nullable: true })
  session_max_lifetime_seconds: number | null;
  @Column('integer', { name: 'session_idle_timeout_seconds', nullable: true })
  session_idle_timeout_seconds: number | null;
  @Column('integer', { name: 'max_concurrent_sessions', nullable: true }) max_concurrent_sessions: number | null;
  @Column('timestamptz', { name: 'updated_at' }) updated_at: Date;
}
