import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from './rls-sql';

// Control plane (tenants, users) and the first tenant-owned tables, each with its RLS policy.
export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        code text NOT NULL,
        name text NOT NULL,
        parent_id uuid REFERENCES tenants(id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'suspended')),
        contact_email text,
        settings jsonb NOT NULL DEFAULT '{}',
        compliance_settings jsonb NOT NULL DEFAULT '{}',
        isolation text NOT NULL DEFAULT 'shared' CHECK (isolation IN ('shared', 'dedicated')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT tenants_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
      );
      CREATE UNIQUE INDEX tenants_code_key ON tenants (code);
      CREATE INDEX tenants_parent_idx ON tenants (parent_id);

      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        password_hash text,
        display_name text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));

      CREATE TABLE memberships (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('platform_admin', 'mssp_admin', 'tenant_admin', 'analyst', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX memberships_tenant_user_key ON memberships (tenant_id, user_id);
      CREATE INDEX memberships_user_idx ON memberships (user_id);
      ${enableRls('memberships', `user_id = nullif(current_setting('app.user_id', true), '')::uuid`)}

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('mssp_admin', 'tenant_admin', 'analyst', 'viewer')),
        scopes text[] NOT NULL DEFAULT '{}',
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX api_keys_prefix_key ON api_keys (prefix);
      CREATE INDEX api_keys_tenant_created_idx ON api_keys (tenant_id, created_at DESC, id DESC);
      ${enableRls('api_keys', `prefix = nullif(current_setting('app.api_key_prefix', true), '')`)}

      CREATE TABLE auth_sessions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        current_token_id uuid NOT NULL,
        current_token_hash text NOT NULL,
        ip text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text
      );
      CREATE INDEX auth_sessions_tenant_user_idx ON auth_sessions (tenant_id, user_id);
      ${enableRls('auth_sessions', `id = nullif(current_setting('app.session_id', true), '')::uuid`)}

      CREATE TABLE revoked_access_tokens (
        jti uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX revoked_access_tokens_tenant_idx ON revoked_access_tokens (tenant_id, expires_at);
      ${enableRls('revoked_access_tokens')}

      CREATE TABLE tenant_data_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        wrapped_key text NOT NULL,
        master_key_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      );
      CREATE INDEX tenant_data_keys_tenant_idx ON tenant_data_keys (tenant_id, created_at DESC);
      CREATE UNIQUE INDEX tenant_data_keys_one_active ON tenant_data_keys (tenant_id) WHERE retired_at IS NULL;
      ${enableRls('tenant_data_keys')}

      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system', 'anonymous')),
        actor_id uuid,
        actor_label text,
        action text NOT NULL,
        target_type text,
        target_id text,
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        status_code integer,
        ip text,
        user_agent text,
        request_id text,
        changes jsonb,
        metadata jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX audit_events_tenant_created_idx ON audit_events (tenant_id, created_at DESC, id DESC);
      CREATE INDEX audit_events_tenant_action_idx ON audit_events (tenant_id, action, created_at DESC);
      ${enableRls('audit_events')}

      -- The audit trail is append-only for everyone; grants also withhold UPDATE/DELETE from the runtime role.
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_events;
      DROP FUNCTION audit_events_append_only();
      DROP TABLE tenant_data_keys;
      DROP TABLE revoked_access_tokens;
      DROP TABLE auth_sessions;
      DROP TABLE api_keys;
      DROP TABLE memberships;
      DROP TABLE users;
      DROP TABLE tenants;
    `);
  }
}
