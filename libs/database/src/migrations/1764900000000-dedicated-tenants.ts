import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dedicated-database tenants (issue 21, docs/dedicated-tenants.md): where a dedicated tenant's rows live, sealed (the
 * URL carries the database owner's password), and the health of its connection. A tenant is routed to its own database
 * when database_url_sealed is set; isolation says what was asked for.
 */
export class DedicatedTenants1764900000000 implements MigrationInterface {
  name = 'DedicatedTenants1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tenants
        ADD COLUMN database_url_sealed text,
        ADD COLUMN connection_status text CHECK (connection_status IN ('connected', 'disconnected', 'error'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants DROP COLUMN database_url_sealed, DROP COLUMN connection_status`);
  }
}
