// Findings of a review of the day's changes, each pinned by a test that failed before its fix.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { migrateDatabase, resolveDatabaseUrls } from '@conduit/database';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { databaseUrl, dropDatabase, withAdminClient } from '../support/postgres-admin';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

const ROOT = resolve(__dirname, '../..');

describe('migration DeliveriesDueInvariant with an owner that is no superuser', () => {
  it('mends the rows that break the invariant (FORCE ROW LEVEL SECURITY applies to the owner) and keeps RLS forced', async () => {
    const role = `conduit_owner_${randomBytes(4).toString('hex')}`;
    const name = `conduit_review_${randomBytes(4).toString('hex')}`;
    await withAdminClient(async (admin) => {
      await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`);
      await admin.query(`CREATE DATABASE "${name}" OWNER ${role}`);
    });
    const ownerUrl = new URL(databaseUrl(name));
    ownerUrl.username = role;
    const superuser = new Client({ connectionString: databaseUrl(name) });
    try {
      await migrateDatabase(testConfig(ownerUrl.toString()), API_MIGRATIONS);
      await superuser.connect();
      // Back to the state before the migration, with one row of each kind it mends (written before the constraint).
      await superuser.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_due_when_open`);
      await superuser.query(`DELETE FROM schema_migrations WHERE name = 'DeliveriesDueInvariant1763960000000'`);
      const [tenant, event, open, done] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const subs = [randomUUID(), randomUUID()];
      await superuser.query(`INSERT INTO tenants (id, code, name) VALUES ($1, 'mend', 'mend')`, [tenant]);
      for (const sub of subs) {
        await superuser.query(
          `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
           VALUES ($1, $2, 'seed', 'https://example.test/hook', '{seed.thing}', 'sealed', '{0}')`,
          [sub, tenant],
        );
      }
      await superuser.query(
        `INSERT INTO webhook_events (id, tenant_id, event_name, source, payload) VALUES ($1, $2, 'seed.thing', 'seed', '{}')`,
        [event, tenant],
      );
      await superuser.query(
        `INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, status, next_attempt_at)
         VALUES ($1, $3, $4, $5, 'pending', NULL), ($2, $3, $4, $6, 'delivered', now())`,
        [open, done, tenant, event, ...subs],
      );

      expect((await migrateDatabase(testConfig(ownerUrl.toString()), API_MIGRATIONS)).applied).toEqual([
        'DeliveriesDueInvariant1763960000000',
      ]);
      const { rows } = await superuser.query<{ id: string; timed: boolean }>(
        `SELECT id, next_attempt_at IS NOT NULL AS timed FROM webhook_deliveries`,
      );
      expect(Object.fromEntries(rows.map((r) => [r.id, r.timed]))).toEqual({ [open]: true, [done]: false });
      const [table] = (
        await superuser.query(
          `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'webhook_deliveries'`,
        )
      ).rows;
      expect(table).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
    } finally {
      await superuser.end().catch(() => undefined);
      await withAdminClient(async (admin) => {
        await dropDatabase(admin, name);
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
      });
    }
  });
});

describe('docker/compose.yml', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  /** A service's block (two-space indented keys under services:). */
  function service(name: string): string {
    const compose = readFileSync(resolve(ROOT, 'docker/compose.yml'), 'utf8');
    const block = compose.split(/\n {2}(?=[a-z][a-z-]*:\n)/).find((b) => b.startsWith(`${name}:\n`));
    if (!block) throw new Error(`no service ${name} in docker/compose.yml`);
    return block;
  }

  it('lets only the api migrate at start: the worker has the runtime role alone, which migrateDatabase refuses', async () => {
    // What the worker would do with MIGRATE_ON_START left at its default: DATABASE_URL is the runtime role.
    const runtimeOnly = testConfig(resolveDatabaseUrls(testConfig(db.url)).runtimeUrl);
    await expect(migrateDatabase(runtimeOnly, API_MIGRATIONS)).rejects.toThrow(/must not run as the runtime role/);
    expect(service('api')).toMatch(/DATABASE_MIGRATION_URL: /);
    expect(service('worker')).not.toMatch(/DATABASE_MIGRATION_URL: /);
    expect(service('worker')).toMatch(/MIGRATE_ON_START: "false"/);
  });
});
