import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';
import { dropQuotaCountFunction, quotaCountFunction } from '@conduit/licensing';

/**
 * Instances (issue 17, seed 002 ACTIVE_INSTANCES): a tenant's connection to a real deployment of an integration, its
 * own or one shared from above (integration_uuid may name another tenant's row; the instance is always this
 * tenant's). Non-secret field values and auth settings are plain jsonb; the secret field values and the credentials
 * are sealed together (SecretBox, bound to the tenant and the instance id) in secrets_sealed; secret_fields
 * names the secret fields that hold a value (names only), so reads answer { "set": true } without opening it.
 */
export class Instances1764320000000 implements MigrationInterface {
  name = 'Instances1764320000000';
  static readonly runtimeFunctions = ['conduit_instance_counts()'];

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE integration_instances (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        instance_id integer NOT NULL CHECK (instance_id > 0),
        integration_uuid uuid NOT NULL REFERENCES integrations(id),
        integration_id integer NOT NULL,
        title text NOT NULL,
        base_url text NOT NULL CHECK (base_url ~ '^https?://'),
        fields jsonb NOT NULL DEFAULT '{}',
        secrets_sealed text,
        secret_fields text[] NOT NULL DEFAULT '{}',
        auth_type text NOT NULL DEFAULT 'none'
          CHECK (auth_type IN ('none', 'basic', 'bearer', 'api_key', 'oauth2_client_credentials')),
        auth_settings jsonb NOT NULL DEFAULT '{}',
        rate_limit jsonb,
        health_check jsonb,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'error', 'maintenance')),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CHECK (deleted_at IS NULL OR status = 'inactive')
      );
      CREATE UNIQUE INDEX integration_instances_tenant_seq_key ON integration_instances (tenant_id, instance_id);
      CREATE UNIQUE INDEX integration_instances_title_key
        ON integration_instances (tenant_id, integration_uuid, lower(title)) WHERE deleted_at IS NULL;
      CREATE INDEX integration_instances_tenant_created_idx
        ON integration_instances (tenant_id, created_at DESC, id DESC);
      CREATE INDEX integration_instances_integration_idx
        ON integration_instances (tenant_id, integration_uuid) WHERE deleted_at IS NULL;
      CREATE INDEX integration_instances_integration_fk_idx ON integration_instances (integration_uuid);
      ${enableRls('integration_instances')}
      ${quotaCountFunction('conduit_instance_counts', 'integration_instances', 'r.deleted_at IS NULL')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ${dropQuotaCountFunction('conduit_instance_counts', 'integration_instances')}
      DROP TABLE integration_instances;
    `);
  }
}
