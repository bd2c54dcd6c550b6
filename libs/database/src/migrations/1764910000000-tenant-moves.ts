import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Moving a tenant between databases (issue 21, `tenant:move`, docs/dedicated-tenants.md): moving_since is set while
 * the tenant's writes are paused (every process answers 503 tenant_moving for it, TenantMoves); left_database names
 * the database a finished move left the tenant's old rows in ('core', or the sealed URL of a dedicated one) until
 * `tenant:move --cleanup` deletes them.
 */
export class TenantMoves1764910000000 implements MigrationInterface {
  name = 'TenantMoves1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN moving_since timestamptz, ADD COLUMN left_database text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants DROP COLUMN moving_since, DROP COLUMN left_database`);
  }
}
