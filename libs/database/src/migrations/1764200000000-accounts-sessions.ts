import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from './rls-sql';

/**
 * Accounts across tenants and sessions (issue 16):
 * - a membership carries what one tenant decides about the person: status, display name, last sign-in there, and how
 *   it came to be (local, jit, scim); the account's own status stays for the platform (an operator disabling a person
 *   everywhere). Backfilled from the account.
 * - a session records how it began (password, saml, jwks) and through which SSO connection.
 * - tenant_auth_settings: a tenant's session limits and whether SSO is enforced (one row per tenant, absent: defaults).
 */
export class AccountsSessions1764200000000 implements MigrationInterface {
  name = 'AccountsSessions1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE memberships
        ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        ADD COLUMN display_name text,
        ADD COLUMN last_login_at timestamptz,
        ADD COLUMN source text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'jit', 'scim'));
      ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY;
      UPDATE memberships m SET status = u.status, display_name = u.display_name, last_login_at = u.last_login_at
        FROM users u WHERE u.id = m.user_id;
      ALTER TABLE memberships FORCE ROW LEVEL SECURITY;

      ALTER TABLE auth_sessions
        ADD COLUMN method text NOT NULL DEFAULT 'password' CHECK (method IN ('password', 'saml', 'jwks')),
        ADD COLUMN connection_id uuid;
      CREATE INDEX auth_sessions_tenant_user_live_idx ON auth_sessions (tenant_id, user_id, created_at)
        WHERE revoked_at IS NULL;

      CREATE TABLE tenant_auth_settings (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        sso_enforced boolean NOT NULL DEFAULT false,
        session_max_lifetime_seconds integer CHECK (session_max_lifetime_seconds > 0),
        session_idle_timeout_seconds integer CHECK (session_idle_timeout_seconds > 0),
        max_concurrent_sessions integer CHECK (max_concurrent_sessions > 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      ${enableRls('tenant_auth_settings')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE tenant_auth_settings;
      DROP INDEX auth_sessions_tenant_user_live_idx;
      ALTER TABLE auth_sessions DROP COLUMN method, DROP COLUMN connection_id;
      ALTER TABLE memberships DROP COLUMN status, DROP COLUMN display_name, DROP COLUMN last_login_at, DROP COLUMN source;
    `);
  }
}
