import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * SCIM 2.0 provisioning (issue 16):
 * - scim_tokens: a tenant's SCIM bearer tokens (SHA-256 of the token, never the token), each tied to the SSO connection
 *   whose role_mapping turns SCIM groups into roles; readable before the tenant is known by its prefix alone
 *   (app.scim_token_prefix), as api_keys are.
 * - scim_users: what the identity provider says about a member that Conduit has no column for (externalId, name parts,
 *   emails) and whether it wants the member active; one row per (tenant, user).
 * - scim_groups and scim_group_members: the IdP's groups in the tenant; their display names are what role_mapping maps.
 */
export class Scim1764220000000 implements MigrationInterface {
  name = 'Scim1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scim_tokens (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        connection_id uuid NOT NULL REFERENCES sso_connections(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        token_hash text NOT NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE UNIQUE INDEX scim_tokens_prefix_key ON scim_tokens (prefix);
      CREATE INDEX scim_tokens_tenant_created_idx ON scim_tokens (tenant_id, created_at DESC, id DESC);
      ${enableRls('scim_tokens', `prefix = nullif(current_setting('app.scim_token_prefix', true), '')`)}

      CREATE TABLE scim_users (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        external_id text,
        name jsonb NOT NULL DEFAULT '{}',
        emails jsonb NOT NULL DEFAULT '[]',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      );
      CREATE INDEX scim_users_tenant_external_idx ON scim_users (tenant_id, external_id);
      ${enableRls('scim_users')}

      CREATE TABLE scim_groups (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        display_name text NOT NULL,
        external_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX scim_groups_tenant_name_key ON scim_groups (tenant_id, lower(display_name));
      CREATE INDEX scim_groups_tenant_created_idx ON scim_groups (tenant_id, created_at, id);
      ${enableRls('scim_groups')}

      CREATE TABLE scim_group_members (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        group_id uuid NOT NULL REFERENCES scim_groups(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, user_id)
      );
      CREATE INDEX scim_group_members_tenant_user_idx ON scim_group_members (tenant_id, user_id);
      ${enableRls('scim_group_members')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE scim_group_members; DROP TABLE scim_groups; DROP TABLE scim_users; DROP TABLE scim_tokens;`,
    );
  }
}
