import { MigrationInterface, QueryRunner } from 'typeorm';
import { enableRls } from '@conduit/database';

/**
 * The inbound source directory (docs/dedicated-tenants.md, "Routing of every domain"): for every live source of every
 * tenant, its id, its key and its tenant, in the core database. A receive names its source (by key or id) before its
 * tenant is known; the directory answers which tenant, and so which database holds the source, in one statement of
 * the core database, instead of asking every dedicated database. Control plane: written by SourcesService in the core
 * database whatever the tenant's isolation (SourceDirectoryRepository), never copied by tenant:move (its rows are
 * keyed by tenant, so they stay right when the tenant's rows change database).
 *
 * Keys are stored as inbound_sources stores them (in clear: they are in the ingest URL a provider is given), and read
 * through a lookup policy like inbound_sources' (the setting names the one row a receive may see).
 *
 * Backfilled from the sources of this database (in the core database: every shared tenant's, and those of dedicated
 * tenants not yet moved). The same migration runs in each dedicated database, where the table stays unused.
 */
export class InboundSourceDirectory1764917000000 implements MigrationInterface {
  name = 'InboundSourceDirectory1764917000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_source_directory (
        source_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        source_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX inbound_source_directory_source_key ON inbound_source_directory (source_key);
      CREATE INDEX inbound_source_directory_tenant_idx ON inbound_source_directory (tenant_id);
      ${enableRls(
        'inbound_source_directory',
        `source_id = nullif(current_setting('app.directory_source_id', true), '')::uuid OR source_key = nullif(current_setting('app.directory_source_key', true), '')`,
      )}

      -- FORCE ROW LEVEL SECURITY applies to the owner too: lifted for the backfill's read (an owner that is neither a
      -- superuser nor BYPASSRLS would see no source), restored in the same transaction.
      ALTER TABLE inbound_sources NO FORCE ROW LEVEL SECURITY;
      ALTER TABLE inbound_source_directory NO FORCE ROW LEVEL SECURITY;
      INSERT INTO inbound_source_directory (source_id, tenant_id, source_key, created_at)
        SELECT id, tenant_id, source_key, created_at FROM inbound_sources WHERE deleted_at IS NULL;
      ALTER TABLE inbound_source_directory FORCE ROW LEVEL SECURITY;
      ALTER TABLE inbound_sources FORCE ROW LEVEL SECURITY;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbound_source_directory`);
  }
}
