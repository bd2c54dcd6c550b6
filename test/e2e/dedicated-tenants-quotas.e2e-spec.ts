// Licence quotas with a dedicated-database tenant (docs/dedicated-tenants.md, "Licence quotas"): its integrations,
// in a database of its own, count against the installation's integrations quota with the shared tenants' ones, in the
// usage the licence routes answer and in the check that refuses the next creation, whichever tenant creates it; and
// creations from both databases at once with one unit left give exactly one success (the quota's lock is the core
// database's for both).
import { Client } from 'pg';
import { TestApi, startTestApi } from '../support/test-api';
import { databaseUrl, dropDatabase, withAdminClient } from '../support/postgres-admin';
import { useLicenseTerms } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
const LIMIT = 4;

describe('licence quotas with a dedicated tenant', () => {
  let api: TestApi;
  let dedicatedName: string;
  let root: { token: string };
  let dedi: { id: string };
  let dediAdmin: { token: string };
  let sharedAdmin: { token: string };

  const quotas = (integrations: number) => ({
    tenants: null,
    users: null,
    integrations,
    instances: null,
    events_per_month: null,
  });

  beforeAll(async () => {
    api = await startTestApi({ DEDICATED_DATABASE_HOSTS: '127.0.0.1', DEDICATED_POOL_SIZE: '5' });
    dedicatedName = `${api.db.name}_dq`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${dedicatedName}"`));
    await useLicenseTerms(api, { quotas: quotas(LIMIT) });
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = { token: (await api.login('root@platform.test', PASSWORD)).access_token };
    dedi = await api.seedTenant('dedi');
    await api.seedTenant('shared');
    dediAdmin = await api.seedUser('dedi', 'tenant_admin');
    sharedAdmin = await api.seedUser('shared', 'tenant_admin');
    const res = await api.request('PUT', `/api/v1/tenants/${dedi.id}/isolation`, {
      token: root.token,
      body: { isolation: 'dedicated', database_url: databaseUrl(dedicatedName) },
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
    if (dedicatedName) await withAdminClient((client) => dropDatabase(client, dedicatedName));
  });

  async function dedicatedCount(): Promise<number> {
    const client = new Client({ connectionString: databaseUrl(dedicatedName) });
    await client.connect();
    try {
      return (await client.query(`SELECT count(*)::int AS n FROM integrations WHERE deleted_at IS NULL`)).rows[0].n;
    } finally {
      await client.end();
    }
  }
  const coreCount = async () =>
    (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM integrations WHERE deleted_at IS NULL`))[0].n;
  const create = (token: string, title: string) =>
    api.request('POST', '/api/v1/integrations', { token, body: { title } });
  async function usage(token = root.token): Promise<number> {
    const res = await api.request('GET', '/api/v1/license/usage', { token });
    expect(res.status).toBe(200);
    return res.body.quotas.find((q: { quota: string }) => q.quota === 'integrations').usage;
  }

  it("counts the dedicated tenant's integrations, in its database, in the usage and the check", async () => {
    for (const title of ['Dedicated one', 'Dedicated two'])
      expect((await create(dediAdmin.token, title)).status).toBe(201);
    expect(await dedicatedCount()).toBe(2);
    expect(await coreCount()).toBe(0);
    expect(await usage()).toBe(2);

    expect((await create(sharedAdmin.token, 'Shared one')).status).toBe(201);
    expect((await create(dediAdmin.token, 'Dedicated three')).status).toBe(201);
    expect(await usage()).toBe(LIMIT);
    expect(await coreCount()).toBe(1);

    // Full: the core database holds 1 of the 4, so counting it alone would let both through.
    for (const token of [sharedAdmin.token, dediAdmin.token]) {
      const refused = await create(token, 'One too many');
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('license_quota_exceeded');
      expect(refused.body.error.details).toEqual([
        expect.objectContaining({ quota: 'integrations', limit: LIMIT, usage: LIMIT, bound: 'installation' }),
      ]);
    }
    expect(await coreCount()).toBe(1);
    expect(await dedicatedCount()).toBe(3);
  });

  it('gives one unit left to exactly one of simultaneous creations from both databases', async () => {
    await useLicenseTerms(api, { quotas: quotas(LIMIT + 1) });
    const results = await Promise.all([
      ...[1, 2, 3].map((i) => create(dediAdmin.token, `Dedicated racer ${i}`)),
      ...[1, 2, 3].map((i) => create(sharedAdmin.token, `Shared racer ${i}`)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 403, 403, 403, 403, 403]);
    for (const refused of results.filter((r) => r.status === 403))
      expect(refused.body.error.code).toBe('license_quota_exceeded');
    expect((await coreCount()) + (await dedicatedCount())).toBe(LIMIT + 1);
    expect(await usage()).toBe(LIMIT + 1);
    // The quota's lock is not left behind on a pooled core connection: the next check answers at once.
    const again = await create(dediAdmin.token, 'After the race');
    expect(again.status).toBe(403);
    expect(await api.sql(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`)).toEqual([
      { n: 0 },
    ]);
  });
});
