// 200 dedicated tenants, one process: the connections open to their databases stay under DEDICATED_MAX_CONNECTIONS
// (docs/dedicated-tenants.md, "Configuration"), the least recently used pools' idle connections closed for the new
// ones. Their registry entries point at one real database (each tenant still gets a pool of its own), which keeps the
// test cheap; its max_connections (100 by default) would refuse 200 pools' connections without the cap.
import { randomUUID } from 'node:crypto';
import { TenantContext, TenantDatabases, sealDatabaseUrl } from '@conduit/database';
import { MasterKeyring, TenantId } from '@conduit/platform';
import { TestApi, startTestApi } from '../support/test-api';
import { databaseUrl, dropDatabase, withAdminClient } from '../support/postgres-admin';
import { TEST_MASTER_KEY } from '../support/test-config';
import { useLicenseTerms } from '../support/test-license';

const TENANTS = 200;
const MAX = 20;
const PASSWORD = 'correct-horse-battery-staple';

describe('200 dedicated tenants', () => {
  let api: TestApi;
  let name: string;
  const tenants: TenantId[] = [];

  beforeAll(async () => {
    api = await startTestApi({
      DEDICATED_DATABASE_HOSTS: '127.0.0.1',
      DEDICATED_POOL_SIZE: '2',
      DEDICATED_MAX_CONNECTIONS: String(MAX),
      // Long: connections must be closed by the cap, not by their idle timeout.
      DEDICATED_POOL_IDLE_MS: '60000',
    });
    name = `${api.db.name}_many`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));
    await useLicenseTerms(api, {
      quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
    });
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    const root = (await api.login('root@platform.test', PASSWORD)).access_token;
    const first = await api.seedTenant('many0');
    const switched = await api.request('PUT', `/api/v1/tenants/${first.id}/isolation`, {
      token: root,
      body: { isolation: 'dedicated', database_url: databaseUrl(name) },
    });
    expect(switched.status).toBe(200);
    tenants.push(first.id);
    // The others (control-plane rows only: nothing else is needed to route) have registry entries pointing at the same
    // migrated database, sealed for each tenant as the route does.
    const keyring = MasterKeyring.parse(TEST_MASTER_KEY);
    const ids = Array.from({ length: TENANTS - 1 }, () => randomUUID() as TenantId);
    await api.sql(
      `INSERT INTO tenants (id, code, name, isolation, connection_status, database_url_sealed)
       SELECT id, 'many' || n, 'Many ' || n, 'dedicated', 'connected', sealed
         FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS t(id, sealed, n)`,
      [ids, ids.map((id) => sealDatabaseUrl(keyring, id, databaseUrl(name)))],
    );
    tenants.push(...ids);
    await api.app.get(TenantDatabases).refresh();
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    if (name) await withAdminClient((client) => dropDatabase(client, name));
  });

  it('keeps the connections to their databases under DEDICATED_MAX_CONNECTIONS, every tenant served', async () => {
    const db = api.app.get(TenantContext);
    const databases = api.app.get(TenantDatabases);
    expect(databases.dedicatedTenants()).toHaveLength(TENANTS);
    let most = { budget: 0, server: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [{ n }] = await api.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`,
          [name],
        );
        most = { budget: Math.max(most.budget, databases.connections.open), server: Math.max(most.server, n) };
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const started = performance.now();
    // Every tenant at once, twice: each needs a connection of its own pool, 200 pools in all.
    const answers: number[] = [];
    for (let round = 0; round < 2; round++) {
      answers.push(
        ...(await Promise.all(
          tenants.map((t) =>
            db.runInTenant(t, async () => {
              const [row] = (await db.em.query(`SELECT 1 AS one FROM pg_sleep(0.02)`)) as { one: number }[];
              return row.one;
            }),
          ),
        )),
      );
    }
    const ms = performance.now() - started;
    sampling = false;
    await sampler;
    expect(answers).toEqual(new Array(2 * TENANTS).fill(1));
    expect(most.budget).toBeLessThanOrEqual(MAX);
    expect(most.server).toBeLessThanOrEqual(MAX);
    expect(most.budget).toBeGreaterThan(MAX / 2);
    expect(databases.connections).toMatchObject({ max: MAX, waiting: 0 });
    expect(databases.connections.open).toBeLessThanOrEqual(MAX);
    console.log(
      `${TENANTS} dedicated tenants x 2 rounds, DEDICATED_MAX_CONNECTIONS=${MAX}: ${Math.round(ms)} ms, ` +
        `most open (process) ${most.budget}, most seen by the server ${most.server}`,
    );
  });
});
