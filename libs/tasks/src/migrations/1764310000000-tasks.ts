import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * Tasks of the catalogue (issue 17, seed 002 TASKS): what can be asked of an integration, with input and output
 * fields, dependencies on other tasks of the same integration (by tag), the HTTP request to make and its error
 * handling. Numbered per tenant (task_id, catalogue_counters kind task); tags unique in the integration among tasks
 * not deleted.
 *
 * Shared catalogue: like integrations_lookup, the lookup policy opens, for SELECT only, the live tasks of a live
 * shared integration of the tenants listed in app.catalogue_owners (set by the service from TenantHierarchy.lineage
 * for the one statement that reads them). The EXISTS runs under the integrations' own policies, so it sees exactly
 * the shared integrations that setting opens. Writes stay under plain tenant isolation.
 */
export class Tasks1764310000000 implements MigrationInterface {
  name = 'Tasks1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        integration_uuid uuid NOT NULL REFERENCES integrations(id),
        integration_id integer NOT NULL CHECK (integration_id > 0),
        task_id integer NOT NULL CHECK (task_id > 0),
        name text NOT NULL,
        task_tag text NOT NULL CHECK (task_tag ~ '^[a-z][a-z0-9_]{0,63}$'),
        description text NOT NULL DEFAULT '',
        input_fields jsonb NOT NULL DEFAULT '[]',
        output_fields jsonb NOT NULL DEFAULT '[]',
        depends_on text[] NOT NULL DEFAULT '{}',
        request jsonb NOT NULL,
        execution_order integer NOT NULL DEFAULT 0,
        error_handling jsonb NOT NULL DEFAULT '{}',
        ingest_cases boolean NOT NULL DEFAULT false,
        case_ingestion_config jsonb,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'draft', 'deleted')),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX tasks_tenant_seq_key ON tasks (tenant_id, task_id);
      CREATE UNIQUE INDEX tasks_integration_tag_key ON tasks (integration_uuid, task_tag) WHERE deleted_at IS NULL;
      CREATE INDEX tasks_integration_created_idx ON tasks (tenant_id, integration_uuid, created_at DESC, id DESC);
      ${enableRls(
        'tasks',
        `deleted_at IS NULL AND tenant_id = ANY (string_to_array(nullif(current_setting('app.catalogue_owners', true), ''), ',')::uuid[])
         AND EXISTS (SELECT 1 FROM integrations i WHERE i.id = tasks.integration_uuid AND i.shared AND i.deleted_at IS NULL)`,
      )}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tasks;`);
  }
}
