// The control plane of a dedicated-database tenant (docs/dedicated-tenants.md, "Control plane"): its SSO connection,
// SAML state, SCIM tokens and users, memberships, data keys of control-plane secrets and licence allocation are in the
// core database, none in its own; people added after the switch (operator, SCIM, JIT SSO) sign in and act there; an
// MSSP parent acting in it with X-Tenant-Id reads and writes its database, bounded by the allocation it was given;
// and a sealed URL the keyring cannot open answers 503 tenant_database_unavailable, not 500.
import { TenantDatabases, sealDatabaseUrl } from '@conduit/database';
import { MasterKeyring, TenantId } from '@conduit/platform';
import { TestApi, startTestApi } from '../support/test-api';
import { databaseUrl, dropDatabase, sqlIn, withAdminClient } from '../support/postgres-admin';
import { TestIdp, startTestIdp } from '../support/saml-idp';
import { connectionFromIdp, createConnection, signInThroughIdp } from '../support/saml-flow';
import { liftQuotas } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
const SCIM = 'application/scim+json';
/** The control-plane tables with a tenant column: every one of them has the dedicated tenant's rows in core only. */
const CONTROL_PLANE = /^(memberships|sso_.*|scim_.*|license_allocations)$/;

describe('the control plane of a dedicated tenant', () => {
  let api: TestApi;
  let idp: TestIdp;
  let dedicatedName: string;
  let root: { token: string };
  let child: { id: TenantId; code: string };
  let mspAdmin: { token: string };
  let childAdmin: { id: string; token: string };

  beforeAll(async () => {
    api = await startTestApi({ DEDICATED_DATABASE_HOSTS: '127.0.0.1' });
    idp = await startTestIdp();
    dedicatedName = `${api.db.name}_cp`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${dedicatedName}"`));
    await liftQuotas(api);
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = { token: (await api.login('root@platform.test', PASSWORD)).access_token };
    await api.seedTenant('msp');
    child = await api.seedTenant('child', 'msp');
    mspAdmin = await api.seedUser('msp', 'mssp_admin');
    const res = await api.request('PUT', `/api/v1/tenants/${child.id}/isolation`, {
      token: root.token,
      body: { isolation: 'dedicated', database_url: databaseUrl(dedicatedName) },
    });
    expect(res.status, res.text).toBe(200);
  });
  afterAll(async () => {
    await idp?.close();
    await api?.close();
    if (dedicatedName) await withAdminClient((client) => dropDatabase(client, dedicatedName));
  });

  /** Raw SQL as the owner in the dedicated database (bypasses RLS). */
  const dedicatedSql = <R = Record<string, any>>(sql: string, params: unknown[] = []) =>
    sqlIn<R>(dedicatedName, sql, params);

  /** Per control-plane table (found in the catalogue), the child's rows there: only tables with any. */
  async function controlPlaneRows(
    run: (sql: string, params?: unknown[]) => Promise<Record<string, any>[]>,
  ): Promise<Record<string, number>> {
    const tables = await run(
      `SELECT table_name AS name, column_name AS col FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name IN ('tenant_id', 'allocated_to')`,
    );
    const found: Record<string, number> = {};
    for (const { name, col } of tables) {
      if (!CONTROL_PLANE.test(name)) continue;
      const [{ n }] = await run(`SELECT count(*)::int AS n FROM "${name}" WHERE "${col}" = $1`, [child.id]);
      if (n > 0) found[name] = n;
    }
    return found;
  }
  const coreSql = (sql: string, params?: unknown[]) => api.sql(sql, params);
  const integrationsIn = async (run: typeof coreSql) =>
    (await run(`SELECT title FROM integrations WHERE tenant_id = $1 ORDER BY title`, [child.id])).map((r) => r.title);

  it('lets a user the operator adds after the switch sign in and act in its database', async () => {
    childAdmin = await api.seedUser('child', 'tenant_admin');
    const created = await api.request('POST', '/api/v1/integrations', {
      token: childAdmin.token,
      body: { title: 'Made by the operator user' },
    });
    expect(created.status, created.text).toBe(201);
    expect(await integrationsIn(dedicatedSql)).toEqual(['Made by the operator user']);
    expect(await integrationsIn(coreSql)).toEqual([]);
    // The account and its membership are the core database's; the dedicated one has neither.
    expect(
      await api.sql(`SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2`, [child.id, childAdmin.id]),
    ).toEqual([{ role: 'tenant_admin' }]);
    expect(await dedicatedSql(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 0 }]);
  });

  it('provisions through SCIM and signs in through SAML, every control-plane row in the core database', async () => {
    const connectionId = await createConnection(
      api,
      childAdmin.token,
      connectionFromIdp(idp, { jit_provisioning: false, default_role: 'analyst' }),
    );
    const token = await api.request('POST', '/api/v1/scim/tokens', {
      token: childAdmin.token,
      body: { name: 'idp', connection_id: connectionId },
    });
    expect(token.status, token.text).toBe(201);
    const provisioned = await api.request('POST', '/scim/v2/Users', {
      headers: { authorization: `Bearer ${token.body.token}`, 'content-type': SCIM },
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'bob@child.test',
        name: { givenName: 'Bob', familyName: 'Baker' },
        emails: [{ value: 'bob@child.test', primary: true }],
        active: true,
      },
    });
    expect(provisioned.status, provisioned.text).toBe(201);
    // Listed back through SCIM: the read finds what the write stored.
    const listed = await api.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22bob@child.test%22', {
      headers: { authorization: `Bearer ${token.body.token}` },
    });
    expect(listed.body.totalResults).toBe(1);

    // JIT is off: only the SCIM-provisioned person can sign in, and does; then acts in the child's database.
    idp.nextUser = { email: 'bob@child.test', displayName: 'Bob' };
    const bob = await signInThroughIdp(api, idp, connectionId, '/after-sso');
    const me = await api.request('GET', '/api/v1/auth/me', { token: bob.access_token });
    expect(me.body).toMatchObject({ label: 'bob@child.test', role: 'analyst', home_tenant_id: child.id });
    const seen = await api.request('GET', '/api/v1/integrations', { token: bob.access_token });
    expect(seen.status, seen.text).toBe(200);
    expect(seen.body.data.map((i: { title: string }) => i.title)).toEqual(['Made by the operator user']);

    // JIT on: a person new to Conduit is created at the first sign-in and acts too.
    const jit = await createConnection(api, childAdmin.token, connectionFromIdp(idp, { name: 'JIT IdP' }));
    idp.nextUser = { email: 'jim@child.test', displayName: 'Jim' };
    const jim = await signInThroughIdp(api, idp, jit, '/after-sso');
    expect((await api.request('GET', '/api/v1/integrations', { token: jim.access_token })).status).toBe(200);

    const core = await controlPlaneRows(coreSql);
    expect(core).toMatchObject({
      memberships: 3, // the operator's user, Bob (SCIM), Jim (JIT)
      sso_connections: 2,
      sso_saml_requests: 2,
      sso_login_codes: 2,
      scim_tokens: 1,
      scim_users: 1,
    });
    expect(await controlPlaneRows(dedicatedSql)).toEqual({});
    // The SP keys and the sign-in codes' tokens are sealed with a data key of the core database (the rows' own):
    // the dedicated database has no data key yet, its tables' secrets none sealed so far.
    expect(await api.sql(`SELECT count(*)::int AS n FROM tenant_data_keys WHERE tenant_id = $1`, [child.id])).toEqual([
      { n: 1 },
    ]);
    expect(await dedicatedSql(`SELECT count(*)::int AS n FROM tenant_data_keys`)).toEqual([{ n: 0 }]);
  });

  it("lets the MSSP parent act in its dedicated child, bounded by the child's allocation", async () => {
    const acting = { token: mspAdmin.token, tenant: child.id };
    const listed = await api.request('GET', '/api/v1/integrations', acting);
    expect(listed.body.data.map((i: { title: string }) => i.title)).toEqual(['Made by the operator user']);
    const allocated = await api.request('PUT', `/api/v1/tenants/${child.id}/license-allocation`, {
      token: root.token,
      body: { quotas: { integrations: 2 } },
    });
    expect(allocated.status, allocated.text).toBe(200);
    expect(await controlPlaneRows(dedicatedSql)).toEqual({});
    const second = await api.request('POST', '/api/v1/integrations', { ...acting, body: { title: 'By the MSSP' } });
    expect(second.status, second.text).toBe(201);
    const third = await api.request('POST', '/api/v1/integrations', { ...acting, body: { title: 'One too many' } });
    expect(third.status).toBe(403);
    expect(third.body.error.code).toBe('license_quota_exceeded');
    expect(third.body.error.details).toEqual([
      expect.objectContaining({ quota: 'integrations', limit: 2, bound: 'allocation', tenant_id: child.id }),
    ]);
    expect(await integrationsIn(dedicatedSql)).toEqual(['By the MSSP', 'Made by the operator user']);
    expect(await integrationsIn(coreSql)).toEqual([]);
  });

  it('answers 503 tenant_database_unavailable when the keyring cannot open the sealed URL', async () => {
    const lost = await api.seedTenant('lost');
    const lostUser = await api.seedUser('lost', 'tenant_admin');
    // Sealed under a master key this installation does not have (as after removing it from CONDUIT_MASTER_KEY).
    const elsewhere = MasterKeyring.parse(MasterKeyring.generate());
    await api.sql(`UPDATE tenants SET isolation = 'dedicated', database_url_sealed = $2 WHERE id = $1`, [
      lost.id,
      sealDatabaseUrl(elsewhere, lost.id, databaseUrl(dedicatedName)),
    ]);
    await api.app.get(TenantDatabases).refresh();
    // Signing in writes its audit row in the tenant's database; a request reads its rows there: both 503, not 500.
    const signIn = await api.request('POST', '/api/v1/auth/login', {
      body: { email: lostUser.email, password: PASSWORD },
    });
    const read = await api.request('GET', '/api/v1/integrations', { token: lostUser.token });
    for (const res of [signIn, read]) {
      expect(res.status, res.text).toBe(503);
      expect(res.body.error.code).toBe('tenant_database_unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.text).not.toContain(dedicatedName);
    }
    // The others are not affected.
    expect((await api.request('GET', '/api/v1/integrations', { token: childAdmin.token })).status).toBe(200);
  });
});
