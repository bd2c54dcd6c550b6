import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * A tenant's identity-provider connections (SAML): the IdP's entity id, endpoints and signing certificates, how its
 * attributes and groups map to a Conduit user and role, and the connection's own SP key pair (private key sealed by
 * the tenant's data key, like every other secret).
 */
export class SsoConnections1764210000000 implements MigrationInterface {
  name = 'SsoConnections1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sso_connections (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        protocol text NOT NULL DEFAULT 'saml' CHECK (protocol IN ('saml')),
        idp_entity_id text NOT NULL,
        idp_sso_url text NOT NULL,
        idp_slo_url text,
        idp_certificates text[] NOT NULL,
        attribute_mapping jsonb NOT NULL DEFAULT '{}',
        role_mapping jsonb NOT NULL DEFAULT '{}',
        default_role text CHECK (default_role IN ('tenant_admin', 'analyst', 'viewer')),
        jit_provisioning boolean NOT NULL DEFAULT false,
        allow_idp_initiated boolean NOT NULL DEFAULT false,
        enabled boolean NOT NULL DEFAULT true,
        sp_certificate text NOT NULL,
        sp_private_key_sealed text NOT NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX sso_connections_tenant_name_key ON sso_connections (tenant_id, lower(name));
      CREATE INDEX sso_connections_tenant_created_idx ON sso_connections (tenant_id, created_at DESC, id DESC);
      ${enableRls('sso_connections')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sso_connections;`);
  }
}
