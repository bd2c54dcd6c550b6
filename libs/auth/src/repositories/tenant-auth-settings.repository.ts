// The SQL over tenant_auth_settings (one row per tenant, RLS), in the caller's control-plane
// transaction (core database: coreEm).
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { TenantAuthSettingsEntity } from '../entities/tenant-auth-settings.entity';

export type AuthSettings = Omit<TenantAuthSettingsEntity, 'tenant_id' | 'updated_at'>;

export const DEFAULT_AUTH_SETTINGS: AuthSettings = {
  sso_enforced: false,
  session_max_lifetime_seconds: null,
  session_idle_timeout_seconds: null,
  max_concurrent_sessions: null,
};

@Injectable()
export class TenantAuthSettingsRepository {
  constructor(private readonly db: TenantContext) {}

  /** The tenant's settings, or the defaults when it has never set any. */
  async get(tenantId: TenantId): Promise<AuthSettings & { updated_at: Date | null }> {
    const row = await this.db.coreEm
      .getRepository(TenantAuthSettingsEntity)
      .findOne({ where: { tenant_id: tenantId } });
    if (!row) return { ...DEFAULT_AUTH_SETTINGS, updated_at: null };
    const { tenant_id: _t, ...settings } = row;
    return settings;
  }

  /** Writes the whole row (insert or update), serialized per tenant by the primary key. */
  async put(tenantId: TenantId, settings: AuthSettings, now: Date): Promise<void> {
    await this.db.coreEm.query(
      `INSERT INTO tenant_auth_settings (tenant_id, sso_enforced, session_max_lifetime_seconds,
         session_idle_timeout_seconds, max_concurrent_sessions, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET sso_enforced = EXCLUDED.sso_enforced,
         session_max_lifetime_seconds = EXCLUDED.session_max_lifetime_seconds,
         session_idle_timeout_seconds = EXCLUDED.session_idle_timeout_seconds,
         max_concurrent_sessions = EXCLUDED.max_concurrent_sessions, updated_at = EXCLUDED.updated_at`,
      [
        tenantId,
        settings.sso_enforced,
        settings.session_max_lifetime_seconds,
        settings.session_idle_timeout_seconds,
        settings.max_concurrent_sessions,
        now,
      ],
    );
  }
}
