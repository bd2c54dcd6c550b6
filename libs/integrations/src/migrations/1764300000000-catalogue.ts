import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';
import { dropQuotaCountFunction, quotaCountFunction } from '@conduit/licensing';

/**
 * The security-automation catalogue's first tables (issue 17, seed 002):
 *
 * - catalogue_counters: the per-tenant sequence numbers the seed's paths use (integration_id, later task_id and
 *   instance_id), one row per (tenant, kind), bumped by one upsert inside the creating transaction.
 * - integrations: a tenant's integration definitions with their field definitions and logo. The logo's bytes live in
 *   the row (at most 512 KB, never selected by lists).
 *
 * Shared catalogue: a platform or MSSP tenant marks an integration `shared`; the tenants below it read it. The
 * lookup policy below opens, for SELECT only, the shared rows of the tenants listed in app.catalogue_owners, which
 * the service sets (from TenantHierarchy.lineage, never from input) for the one statement that reads the catalogue.
 * Chosen over a SECURITY DEFINER function: the rls suite allows those to return tenant ids (or counts) only, and a
 * policy keeps every other table, and every write, under plain tenant isolation.
 */
export class Catalogue1764300000000 implements MigrationInterface {
  name = 'Catalogue1764300000000';
  static readonly runtimeFunctions = ['conduit_integration_counts()'];

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalogue_counters (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
        last_value integer NOT NULL CHECK (last_value > 0),
        PRIMARY KEY (tenant_id, kind)
      );
      ${enableRls('catalogue_counters')}

      CREATE TABLE integrations (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        integration_id integer NOT NULL CHECK (integration_id > 0),
        title text NOT NULL,
        description text NOT NULL DEFAULT '',
        version text NOT NULL DEFAULT '1.0',
        category text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'draft', 'deleted')),
        fields jsonb NOT NULL DEFAULT '[]',
        metadata jsonb NOT NULL DEFAULT '{}',
        shared boolean NOT NULL DEFAULT false,
        generic_app boolean NOT NULL DEFAULT true,
        logo bytea,
        logo_content_type text,
        logo_sha256 text,
        logo_size integer,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CHECK ((status = 'deleted') = (deleted_at IS NOT NULL)),
        CHECK (logo_size IS NULL OR logo_size <= 524288)
      );
      CREATE UNIQUE INDEX integrations_tenant_seq_key ON integrations (tenant_id, integration_id);
      CREATE UNIQUE INDEX integrations_tenant_title_key ON integrations (tenant_id, lower(title)) WHERE deleted_at IS NULL;
      CREATE INDEX integrations_tenant_created_idx ON integrations (tenant_id, created_at DESC, id DESC);
      CREATE INDEX integrations_shared_idx ON integrations (tenant_id, created_at DESC, id DESC) WHERE shared AND deleted_at IS NULL;
      ${enableRls(
        'integrations',
        `shared AND deleted_at IS NULL AND tenant_id = ANY (string_to_array(nullif(current_setting('app.catalogue_owners', true), ''), ',')::uuid[])`,
      )}
      ${quotaCountFunction('conduit_integration_counts', 'integrations', 'r.deleted_at IS NULL')}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ${dropQuotaCountFunction('conduit_integration_counts', 'integrations')}
      DROP TABLE integrations;
      DROP TABLE catalogue_counters;
    `);
  }
}
