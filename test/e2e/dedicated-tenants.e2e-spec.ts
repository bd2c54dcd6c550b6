// Dedicated-database tenants, slice 1 (docs/dedicated-tenants.md): the platform admin's switch of an empty tenant to a
// database of its own (a second database on the local cluster) with its refusals, then that tenant's integration,
// subscription and event written there and nowhere in the core database, while a shared tenant goes on beside it.
// The URL (with a password the local cluster ignores) never appears in a response or an audit row.
import { SystemContext, TenantContext, TenantRoundTrip } from '@conduit/database';
import { TenantId } from '@conduit/platform';
import { TestApi, startTestApi } from '../support/test-api';
import { PgWireProxy } from '../support/pg-wire-proxy';
import { ADMIN_URL, databaseUrl, dropDatabase, sqlIn, tenantRows, withAdminClient } from '../support/postgres-admin';
import { useLicenseTerms } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
const URL_PASSWORD = 'Dedicated-Owner-Secret-42';

describe('dedicated-database tenants', () => {
  let api: TestApi;
  let dedicatedName: string;
  let dedicatedUrl: string;
  let root: { token: string };
  let dedi: { id: string; code: string };
  let full: { id: string; code: string };
  let shared: { id: string; code: string };
  let dediAdmin: { token: string };
  let fullAdmin: { token: string };
  let sharedAdmin: { token: string };

  beforeAll(async () => {
    api = await startTestApi({
      DEDICATED_DATABASE_HOSTS: '127.0.0.1',
      DEDICATED_POOL_SIZE: '3',
      DEDICATED_POOL_IDLE_MS: '1000',
    });
    dedicatedName = `${api.db.name}_ded`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${dedicatedName}"`));
    const url = new URL(databaseUrl(dedicatedName));
    url.password = URL_PASSWORD;
    dedicatedUrl = url.toString();
    await useLicenseTerms(api, {
      quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
    });
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = { token: (await api.login('root@platform.test', PASSWORD)).access_token };
    dedi = await api.seedTenant('dedi');
    full = await api.seedTenant('full');
    shared = await api.seedTenant('shared');
    dediAdmin = await api.seedUser('dedi', 'tenant_admin');
    fullAdmin = await api.seedUser('full', 'tenant_admin');
    sharedAdmin = await api.seedUser('shared', 'tenant_admin');
  });
  afterAll(async () => {
    await api?.close();
    if (dedicatedName) await withAdminClient((client) => dropDatabase(client, dedicatedName));
  });

  const setIsolation = (tenantId: string, body: Record<string, unknown>, token = root.token) =>
    api.request('PUT', `/api/v1/tenants/${tenantId}/isolation`, { token, body });

  /** Raw SQL as the owner in the dedicated database (bypasses RLS). */
  const dedicatedSql = <R = Record<string, any>>(sql: string, params: unknown[] = []) =>
    sqlIn<R>(dedicatedName, sql, params);

  async function expectNothingWritten(): Promise<void> {
    const rows = await api.sql(`SELECT isolation, database_url_sealed FROM tenants WHERE id = $1`, [dedi.id]);
    expect(rows).toEqual([{ isolation: 'shared', database_url_sealed: null }]);
    expect((await dedicatedSql(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`))[0].n).toBe(0);
  }

  it('refuses without the licence feature dedicated_databases (403), writing nothing', async () => {
    await useLicenseTerms(api, {
      quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
      features: ['mssp', 'saml', 'export_import', 'case_ingestion'],
    });
    try {
      const res = await setIsolation(dedi.id, { isolation: 'dedicated', database_url: dedicatedUrl });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('license_feature_unavailable');
      expect(res.text).not.toContain(URL_PASSWORD);
      await expectNothingWritten();
    } finally {
      await useLicenseTerms(api, {
        quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
      });
    }
  });

  it('refuses creating a tenant labelled dedicated (400 isolation_requires_database), writing nothing', async () => {
    const before = await api.sql(`SELECT count(*)::int AS n FROM tenants`);
    const res = await api.request('POST', '/api/v1/tenants', {
      token: root.token,
      body: { code: 'labelled', name: 'Labelled only', isolation: 'dedicated' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('isolation_requires_database');
    expect(res.body.error.message).toContain('PUT /api/v1/tenants/{id}/isolation');
    expect(await api.sql(`SELECT count(*)::int AS n FROM tenants`)).toEqual(before);
    expect(await api.sql(`SELECT id FROM tenants WHERE code = 'labelled'`)).toEqual([]);
    // Shared (said or not) is created as before.
    const shared = await api.request('POST', '/api/v1/tenants', {
      token: root.token,
      body: { code: 'labelled', name: 'Labelled shared', isolation: 'shared' },
    });
    expect(shared.status).toBe(201);
    expect(shared.body).toMatchObject({ isolation: 'shared', connection_status: null });
  });

  it('is for platform admins only', async () => {
    const res = await setIsolation(dedi.id, { isolation: 'dedicated', database_url: dedicatedUrl }, dediAdmin.token);
    expect(res.status).toBe(403);
    await expectNothingWritten();
  });

  it('refuses bad URLs (400 invalid_database_url) and hosts outside DEDICATED_DATABASE_HOSTS (400)', async () => {
    const cases: [unknown, string][] = [
      ['not a url', 'invalid_database_url'],
      ['mysql://root@127.0.0.1:3306/x', 'invalid_database_url'],
      ['postgres://postgres@127.0.0.1:5432/', 'invalid_database_url'],
      // pg would read host= from the query string and connect elsewhere than the host checked
      [`postgres://postgres@127.0.0.1:5432/${dedicatedName}?host=/var/run/postgresql`, 'invalid_database_url'],
      [`postgres://postgres:${URL_PASSWORD}@localhost:5432/${dedicatedName}`, 'database_host_not_allowed'],
      [`postgres://postgres:${URL_PASSWORD}@10.0.0.7:5432/${dedicatedName}`, 'database_host_not_allowed'],
      [undefined, 'validation_failed'],
    ];
    for (const [database_url, code] of cases) {
      const res = await setIsolation(dedi.id, { isolation: 'dedicated', database_url });
      expect({ database_url, status: res.status, code: res.body.error?.code }).toEqual({
        database_url,
        status: 400,
        code,
      });
      expect(res.text).not.toContain(URL_PASSWORD);
    }
    await expectNothingWritten();
  });

  it('refuses a database that cannot be reached (400 database_unreachable), naming no credential', async () => {
    const res = await setIsolation(dedi.id, {
      isolation: 'dedicated',
      database_url: `postgres://postgres:${URL_PASSWORD}@127.0.0.1:1/${dedicatedName}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('database_unreachable');
    expect(res.text).not.toContain(URL_PASSWORD);
    await expectNothingWritten();
  });

  it('refuses a tenant with data (409 tenant_not_empty), naming the tables', async () => {
    const made = await api.request('POST', '/api/v1/integrations', { token: fullAdmin.token, body: { title: 'Full' } });
    expect(made.status).toBe(201);
    const res = await setIsolation(full.id, { isolation: 'dedicated', database_url: dedicatedUrl });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('tenant_not_empty');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain('integrations');
    expect((await api.sql(`SELECT isolation FROM tenants WHERE id = $1`, [full.id]))[0].isolation).toBe('shared');
    await expectNothingWritten();
  });

  it('switches an empty tenant: migrates its database, creates the runtime role there, keeps the URL sealed', async () => {
    const res = await setIsolation(dedi.id, { isolation: 'dedicated', database_url: dedicatedUrl });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: dedi.id, isolation: 'dedicated', connection_status: 'connected' });
    expect(res.text).not.toContain(URL_PASSWORD);
    expect(res.text).not.toContain(dedicatedName);

    const get = await api.request('GET', `/api/v1/tenants/${dedi.id}`, { token: root.token });
    expect(get.body).toMatchObject({ isolation: 'dedicated', connection_status: 'connected' });
    expect(get.text).not.toContain(URL_PASSWORD);
    const sharedGet = await api.request('GET', `/api/v1/tenants/${shared.id}`, { token: root.token });
    expect(sharedGet.body).toMatchObject({ isolation: 'shared', connection_status: null });

    const [row] = await api.sql(`SELECT database_url_sealed FROM tenants WHERE id = $1`, [dedi.id]);
    expect(row.database_url_sealed).toEqual(expect.any(String));
    expect(row.database_url_sealed).not.toContain(URL_PASSWORD);
    expect(row.database_url_sealed).not.toContain(dedicatedName);

    // The same schema, with RLS on, and the runtime role there under it.
    const migrated = await dedicatedSql(`SELECT count(*)::int AS n FROM schema_migrations`);
    const core = await api.sql(`SELECT count(*)::int AS n FROM schema_migrations`);
    expect(migrated[0].n).toBe(core[0].n);
    const [rls] = await dedicatedSql(
      `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'webhook_subscriptions'`,
    );
    expect(rls).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
    const [role] = await dedicatedSql(
      `SELECT has_table_privilege('conduit_app', 'webhook_subscriptions', 'INSERT') AS may_insert`,
    );
    expect(role.may_insert).toBe(true);

    // Switching again (or back) is a move, not this route's.
    for (const body of [{ isolation: 'dedicated', database_url: dedicatedUrl }, { isolation: 'shared' }]) {
      const again = await setIsolation(dedi.id, body);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('tenant_move_required');
    }
  });

  it("writes the dedicated tenant's integration, subscription, event and deliveries in its database only", async () => {
    const integration = await api.request('POST', '/api/v1/integrations', {
      token: dediAdmin.token,
      body: { title: 'Dedicated app' },
    });
    expect(integration.status).toBe(201);
    const subscription = await api.request('POST', '/api/v1/subscriptions', {
      token: dediAdmin.token,
      body: { app_name: 'billing', target_url: 'http://127.0.0.1:9/hook', event_types: ['order.created'] },
    });
    expect(subscription.status).toBe(201);
    const event = await api.request('POST', '/api/v1/events', {
      token: dediAdmin.token,
      body: { event_name: 'order.created', payload: { total: 5 } },
    });
    expect(event.status).toBe(202);
    // Read back through the API: from the same database.
    const detail = await api.request('GET', `/api/v1/events/${event.body.id}`, { token: dediAdmin.token });
    expect(detail.status).toBe(200);
    expect(detail.body.deliveries.map((d: { subscription_id: string }) => d.subscription_id)).toEqual([
      subscription.body.id,
    ]);
    const list = await api.request('GET', '/api/v1/integrations', { token: dediAdmin.token });
    expect(list.body.data.map((i: { title: string }) => i.title)).toEqual(['Dedicated app']);
    // The reconcilers find its due work in its database (the delivery is pending, no worker runs here).
    const dueDeliveries = await api.app
      .get(SystemContext)
      .run('test.due', (plane) => plane.tenantsWithDueWork({ kind: 'deliveries', graceSeconds: 0 }));
    expect(dueDeliveries).toContain(dedi.id);
    // Its database holds its own tenant row (for its foreign keys), and no other.
    expect((await dedicatedSql(`SELECT id FROM tenants`)).map((r) => r.id)).toEqual([dedi.id]);
    // The tenant registry is read from the core database inside the tenant's own requests too.
    const own = await api.request('GET', `/api/v1/tenants/${dedi.id}`, { token: dediAdmin.token });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ code: 'dedi', isolation: 'dedicated', connection_status: 'connected' });

    const inDedicated = await tenantRows((sql, params) => dedicatedSql(sql, params), dedi.id);
    expect(inDedicated).toMatchObject({
      integrations: 1,
      webhook_subscriptions: 1,
      webhook_events: 1,
      webhook_deliveries: 1,
    });
    // Not one row of the tenant's data in the core database.
    expect(await tenantRows((sql, params) => api.sql(sql, params), dedi.id)).toEqual({});
    // Its audit rows are in its database too, and none carries the URL.
    const audit = await dedicatedSql(`SELECT action FROM audit_events WHERE tenant_id = $1`, [dedi.id]);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['integration.create', 'subscription.create']));
    for (const rows of [
      await api.sql(`SELECT * FROM audit_events`),
      await dedicatedSql(`SELECT * FROM audit_events`),
    ]) {
      const text = JSON.stringify(rows);
      expect(text).not.toContain(URL_PASSWORD);
      expect(text).not.toContain(dedicatedName);
    }
    const isolationAudit = await api.sql(`SELECT changes FROM audit_events WHERE action = 'tenant.isolation'`);
    expect(isolationAudit.length).toBeGreaterThan(0);
  });

  it('routes transactions and round trips by tenant; a nested tenant of another database and the control plane get their own', async () => {
    const db = api.app.get(TenantContext);
    const system = api.app.get(SystemContext);
    const trip = api.app.get(TenantRoundTrip);
    const current = async () => ((await db.em.query('SELECT current_database() AS d')) as { d: string }[])[0].d;
    const seen = await db.runInTenant(dedi.id as TenantId, async () => {
      const outer = await current();
      const nestedShared = await db.runInTenant(shared.id as TenantId, current);
      const sameTenant = await db.runInTenant(dedi.id as TenantId, current);
      const controlPlane = await system.run('test.dedicated', () => current());
      const sessions = await db.runInTenantControlPlane(dedi.id as TenantId, current);
      return { outer, nestedShared, sameTenant, controlPlane, sessions, after: await current() };
    });
    expect(seen).toEqual({
      outer: dedicatedName,
      nestedShared: api.db.name,
      sameTenant: dedicatedName,
      controlPlane: api.db.name,
      sessions: api.db.name,
      after: dedicatedName,
    });
    expect(await db.runInTenant(shared.id as TenantId, current)).toBe(api.db.name);
    const where = async (tenantId: string, controlPlane?: boolean) =>
      (
        await trip.query<{ d: string }>(tenantId as TenantId, 'SELECT current_database() AS d', [], {
          durable: true,
          controlPlane,
        })
      )[0].d;
    expect(await where(dedi.id)).toBe(dedicatedName);
    expect(await where(dedi.id, true)).toBe(api.db.name);
    expect(await where(shared.id)).toBe(api.db.name);
  });

  it('caps a dedicated pool at DEDICATED_POOL_SIZE and closes its connections when idle', async () => {
    const db = api.app.get(TenantContext);
    const open = async () =>
      (
        await api.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = 'conduit_app'`,
          [dedicatedName],
        )
      )[0].n;
    let most = 0;
    const busy = Promise.all(
      Array.from({ length: 12 }, () => db.runInTenant(dedi.id as TenantId, () => db.em.query('SELECT pg_sleep(0.1)'))),
    );
    for (let i = 0; i < 5; i++) {
      most = Math.max(most, await open());
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await busy;
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
    const deadline = Date.now() + 5000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await open()).toBe(0);
  });

  it('answers 503 tenant_database_unavailable for a tenant whose database is away, and only for it', async () => {
    // A third tenant whose database is reached through a proxy the test can stop.
    const downName = `${api.db.name}_down`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${downName}"`));
    const admin = new URL(ADMIN_URL);
    const proxy = await PgWireProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
    try {
      const down = await api.seedTenant('down');
      const downAdmin = await api.seedUser('down', 'tenant_admin');
      const url = new URL(databaseUrl(downName));
      url.port = String(proxy.port);
      const switched = await setIsolation(down.id, { isolation: 'dedicated', database_url: url.toString() });
      expect(switched.status).toBe(200);
      const before = await api.request('GET', '/api/v1/subscriptions', { token: downAdmin.token });
      expect(before.status).toBe(200);

      await proxy.close();
      for (const [method, path, body] of [
        ['GET', '/api/v1/subscriptions', undefined],
        ['POST', '/api/v1/integrations', { title: 'While away' }],
      ] as const) {
        const res = await api.request(method, path, { token: downAdmin.token, body });
        expect({ status: res.status, code: res.body.error?.code }).toEqual({
          status: 503,
          code: 'tenant_database_unavailable',
        });
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The sweeps skip the database that is away, and find the others' due work.
      const due = await api.app
        .get(SystemContext)
        .run('test.due', (plane) => plane.tenantsWithDueWork({ kind: 'deliveries', graceSeconds: 0 }));
      expect(due).toContain(dedi.id);
      expect(due).not.toContain(down.id);
      // Everyone else goes on: the shared tenant and the other dedicated tenant.
      expect((await api.request('GET', '/api/v1/subscriptions', { token: sharedAdmin.token })).status).toBe(200);
      expect((await api.request('GET', '/api/v1/subscriptions', { token: dediAdmin.token })).status).toBe(200);
      const made = await api.request('POST', '/api/v1/integrations', { token: dediAdmin.token, body: { title: 'On' } });
      expect(made.status).toBe(201);
    } finally {
      await proxy.close().catch(() => undefined);
      await withAdminClient((client) => dropDatabase(client, downName));
    }
  });

  it('keeps its users and API keys in the core database, where sign-in and key authentication find them', async () => {
    const users = await api.request('GET', '/api/v1/users', { token: dediAdmin.token });
    expect(users.status).toBe(200);
    expect(users.body.data.map((u: { email: string }) => u.email)).toEqual(['tenant_admin.dedi@example.test']);
    const created = await api.request('POST', '/api/v1/users', {
      token: dediAdmin.token,
      body: { email: 'analyst.dedi@example.test', password: PASSWORD, role: 'analyst' },
    });
    expect(created.status).toBe(201);
    expect((await api.login('analyst.dedi@example.test', PASSWORD)).access_token).toEqual(expect.any(String));
    const key = await api.request('POST', '/api/v1/api-keys', {
      token: dediAdmin.token,
      body: { name: 'ci', role: 'viewer', scopes: ['integrations:read'] },
    });
    expect(key.status).toBe(201);
    const byKey = await api.request('GET', '/api/v1/integrations', { apiKey: key.body.key });
    expect(byKey.status).toBe(200);
    expect(byKey.body.data.map((i: { title: string }) => i.title)).toContain('Dedicated app');
    const keys = await api.request('GET', '/api/v1/api-keys', { token: dediAdmin.token });
    expect(keys.body.data.map((k: { name: string }) => k.name)).toEqual(['ci']);
    const [{ n: memberships }] = await api.sql(`SELECT count(*)::int AS n FROM memberships WHERE tenant_id = $1`, [
      dedi.id,
    ]);
    expect(memberships).toBe(2);
    const [{ n: keysInCore }] = await api.sql(`SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1`, [
      dedi.id,
    ]);
    expect(keysInCore).toBe(1);
    for (const table of ['memberships', 'api_keys', 'auth_sessions']) {
      const [{ n }] = await dedicatedSql(`SELECT count(*)::int AS n FROM ${table}`);
      expect({ table, n }).toEqual({ table, n: 0 });
    }
  });

  it('keeps a shared tenant working beside it, in the core database', async () => {
    const subscription = await api.request('POST', '/api/v1/subscriptions', {
      token: sharedAdmin.token,
      body: { app_name: 'ops', target_url: 'http://127.0.0.1:9/ops', event_types: ['order.created'] },
    });
    expect(subscription.status).toBe(201);
    const event = await api.request('POST', '/api/v1/events', {
      token: sharedAdmin.token,
      body: { event_name: 'order.created', payload: { total: 7 } },
    });
    expect(event.status).toBe(202);
    expect(await tenantRows((sql, params) => api.sql(sql, params), shared.id)).toMatchObject({
      webhook_subscriptions: 1,
      webhook_events: 1,
      webhook_deliveries: 1,
    });
    expect(await tenantRows((sql, params) => dedicatedSql(sql, params), shared.id)).toEqual({});
    // Each sees only its own: the dedicated tenant's list is unchanged.
    const list = await api.request('GET', '/api/v1/subscriptions', { token: dediAdmin.token });
    expect(list.body.data.map((s: { app_name: string }) => s.app_name)).toEqual(['billing']);
  });
});
