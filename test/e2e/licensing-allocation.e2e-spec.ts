// MSSP allocation on a three-level tree, and feature gating, on a fresh installation (the trial plan):
//   platform (root: platform_admin) · mssp (mssp_admin) ─ customer (tenant_admin) ─ sub ─ (leaf)
//                                     └ customer2         · other · mssp2 (mssp_admin, no allocation) ─ mssp2-child
import { PLANS } from '@conduit/licensing';
import { HttpResult, TestApi, startTestApi } from '../support/test-api';
import { useLicenseTerms } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
type Seeded = { id: string; token: string };

describe('MSSP allocation', () => {
  let api: TestApi;
  const t: Record<string, string> = {};
  let root: Seeded, msspAdmin: Seeded, custAdmin: Seeded, mssp2Admin: Seeded;
  const TENANTS = PLANS.trial.quotas.tenants as number;

  beforeAll(async () => {
    api = await startTestApi();
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = { id: '', token: (await api.login('root@platform.test', PASSWORD)).access_token };
    for (const [code, parent] of [
      ['mssp', undefined],
      ['customer', 'mssp'],
      ['sub', 'customer'],
      ['customer2', 'mssp'],
      ['other', undefined],
      ['mssp2', undefined],
      ['mssp2-child', 'mssp2'],
    ] as const) {
      t[code] = (await api.seedTenant(code, parent)).id;
    }
    t.platform = (await api.sql<{ id: string }>(`SELECT id FROM tenants WHERE code = 'platform'`))[0].id;
    msspAdmin = await api.seedUser('mssp', 'mssp_admin');
    custAdmin = await api.seedUser('customer', 'tenant_admin');
    mssp2Admin = await api.seedUser('mssp2', 'mssp_admin');
  });
  afterAll(() => api.close());

  const path = (tenant: string) => `/api/v1/tenants/${t[tenant] ?? tenant}/license-allocation`;
  const put = (who: Seeded, tenant: string, body: unknown) =>
    api.request('PUT', path(tenant), { token: who.token, body });
  const get = (who: Seeded, tenant: string) => api.request('GET', path(tenant), { token: who.token });
  const allocationRows = () => api.sql(`SELECT * FROM license_allocations ORDER BY allocated_to`);
  const errorOf = (res: HttpResult) => ({ status: res.status, code: res.body?.error?.code });

  it('lets a platform admin allocate to top-level tenants, never more than the licence holds together', async () => {
    const mssp = await put(root, 'mssp', { quotas: { tenants: 5, users: 10 }, features: ['saml', 'mssp'] });
    expect(mssp.status).toBe(200);
    expect(mssp.body).toMatchObject({
      tenant_id: t.mssp,
      allocated: true,
      quotas: { tenants: 5, users: 10 },
      features: ['mssp', 'saml'],
      held_features: ['mssp', 'saml'],
      allocated_from: null,
      // customer, sub and customer2 are below it; its members and the customer's
      usage: { tenants: 3, users: 2, integrations: 0, instances: 0 },
      allocated_to_children: { tenants: 0, users: 0 },
      available_to_allocate: { tenants: 5, users: 10 },
      over_allocated: false,
      warnings: [],
    });

    const before = await allocationRows();
    const over = await put(root, 'other', { quotas: { tenants: TENANTS - 5 + 1 } });
    expect(errorOf(over)).toEqual({ status: 400, code: 'allocation_exceeds_parent' });
    expect(over.body.error.details).toEqual([
      expect.objectContaining({ quota: 'tenants', limit: TENANTS, allocated: TENANTS + 1, parent: null }),
    ]);
    expect(await allocationRows()).toEqual(before);
    expect((await put(root, 'other', { quotas: { tenants: TENANTS - 5 } })).status).toBe(200);
  });

  it('lets an MSSP admin re-allocate from its own allocation, within it and its features', async () => {
    const customer = await put(msspAdmin, 'customer', { quotas: { tenants: 3, users: 6 }, features: ['mssp', 'saml'] });
    expect(customer.status).toBe(200);
    expect(customer.body).toMatchObject({ allocated_from: t.mssp, usage: { tenants: 1, users: 1 } });

    const before = await allocationRows();
    const tooMany = await put(msspAdmin, 'customer2', { quotas: { tenants: 3 } });
    expect(errorOf(tooMany)).toEqual({ status: 400, code: 'allocation_exceeds_parent' });
    expect(tooMany.body.error.details).toEqual([
      expect.objectContaining({ quota: 'tenants', limit: 5, allocated: 6, parent: t.mssp }),
    ]);
    const notHeld = await put(msspAdmin, 'customer2', { quotas: {}, features: ['mssp', 'dedicated_databases'] });
    expect(errorOf(notHeld)).toEqual({ status: 400, code: 'allocation_feature_not_held' });
    expect(notHeld.body.error.details).toEqual([
      expect.objectContaining({ features: ['dedicated_databases'], parent: t.mssp }),
    ]);
    expect(await allocationRows()).toEqual(before);

    expect((await put(msspAdmin, 'customer2', { quotas: { tenants: 2 } })).status).toBe(200);
    const mssp = await get(msspAdmin, 'mssp');
    expect(mssp.body).toMatchObject({
      allocated_to_children: { tenants: 5, users: 6 },
      available_to_allocate: { tenants: 0, users: 4 },
    });
  });

  it("carves a sub-customer's allocation from its customer's, not from the MSSP's", async () => {
    const over = await put(msspAdmin, 'sub', { quotas: { tenants: 4 } });
    expect(errorOf(over)).toEqual({ status: 400, code: 'allocation_exceeds_parent' });
    expect(over.body.error.details).toEqual([expect.objectContaining({ limit: 3, allocated: 4, parent: t.customer })]);
    const sub = await put(msspAdmin, 'sub', { quotas: { tenants: 1, users: 2 }, features: ['mssp'] });
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({ allocated_from: t.customer, held_features: ['mssp'] });
    // The customer's own view: what it handed down, and what is left.
    const customer = await get(custAdmin, 'customer');
    expect(customer.status).toBe(200);
    expect(customer.body).toMatchObject({
      allocated_to_children: { tenants: 1, users: 2 },
      available_to_allocate: { tenants: 2, users: 4 },
    });
  });

  it('refuses allocating to your own tenant, or outside your subtree, or without an allocation of your own', async () => {
    const before = await allocationRows();
    const own = await put(msspAdmin, 'mssp', { quotas: { tenants: 50 } });
    expect(errorOf(own)).toEqual({ status: 403, code: 'allocation_not_allowed' });
    expect(errorOf(await put(root, 'platform', { quotas: { tenants: 1 } }))).toEqual({
      status: 403,
      code: 'allocation_not_allowed',
    });
    for (const outside of ['other', 'platform', 'mssp2-child'])
      expect(errorOf(await put(msspAdmin, outside, { quotas: { tenants: 1 } }))).toEqual({
        status: 404,
        code: 'tenant_not_found',
      });
    expect(errorOf(await get(msspAdmin, 'other'))).toEqual({ status: 404, code: 'tenant_not_found' });
    // An MSSP whose tenant holds no allocation has nothing to re-allocate.
    const none = await put(mssp2Admin, 'mssp2-child', { quotas: { tenants: 1 } });
    expect(errorOf(none)).toEqual({ status: 403, code: 'allocation_not_allowed' });
    // A tenant admin reads its own tenant's allocation, and sets none.
    expect(errorOf(await put(custAdmin, 'sub', { quotas: {} }))).toEqual({ status: 403, code: 'forbidden' });
    expect(errorOf(await get(custAdmin, 'sub'))).toEqual({ status: 404, code: 'tenant_not_found' });
    expect(errorOf(await get(root, '00000000-0000-4000-8000-00000000dead'))).toEqual({
      status: 404,
      code: 'tenant_not_found',
    });
    expect(await allocationRows()).toEqual(before);
  });

  it("counts what is created in a grandchild against every ancestor's allocation", async () => {
    // sub: users 2. Its first user fits, and shows in the usage of the customer and the MSSP above it.
    const usersOf = async (tenant: string) => (await get(root, tenant)).body.usage.users as number;
    const [customerBefore, msspBefore] = [await usersOf('customer'), await usersOf('mssp')];
    const asSub = { token: msspAdmin.token, tenant: 'sub' };
    const create = (email: string, tenant: { token: string; tenant: string }) =>
      api.request('POST', '/api/v1/users', { ...tenant, body: { email, password: PASSWORD, role: 'viewer' } });
    expect((await create('one@sub.test', asSub)).status).toBe(201);
    expect((await create('two@sub.test', asSub)).status).toBe(201);
    expect(await usersOf('customer')).toBe(customerBefore + 2);
    expect(await usersOf('mssp')).toBe(msspBefore + 2);
    const third = await create('three@sub.test', asSub);
    expect(errorOf(third)).toEqual({ status: 403, code: 'license_quota_exceeded' });
    expect(third.body.error.details).toEqual([
      expect.objectContaining({ quota: 'users', limit: 2, usage: 2, bound: 'allocation', tenant_id: t.sub }),
    ]);

    // sub: tenants 1, counted below it: one leaf fits, the next is refused by sub's allocation.
    const leaf = (code: string) =>
      api.request('POST', '/api/v1/tenants', { token: msspAdmin.token, body: { code, name: code, parent_id: t.sub } });
    expect((await leaf('leaf')).status).toBe(201);
    const leaf2 = await leaf('leaf2');
    expect(errorOf(leaf2)).toEqual({ status: 403, code: 'license_quota_exceeded' });
    expect(leaf2.body.error.details).toEqual([
      expect.objectContaining({ quota: 'tenants', limit: 1, usage: 1, bound: 'allocation', tenant_id: t.sub }),
    ]);
    expect((await get(root, 'mssp')).body.usage.tenants).toBe(4);

    // The MSSP's own bound binds a creation in the customer even while the customer's allocation has room.
    const msspUsers = await usersOf('mssp');
    expect(
      (await put(root, 'mssp', { quotas: { tenants: 5, users: msspUsers }, features: ['mssp', 'saml'] })).status,
    ).toBe(200);
    const blocked = await create('blocked@customer.test', { token: msspAdmin.token, tenant: 'customer' });
    expect(errorOf(blocked)).toEqual({ status: 403, code: 'license_quota_exceeded' });
    expect(blocked.body.error.details).toEqual([
      expect.objectContaining({ quota: 'users', limit: msspUsers, usage: msspUsers, tenant_id: t.mssp }),
    ]);
    expect(await api.sql(`SELECT 1 FROM users WHERE email IN ('three@sub.test', 'blocked@customer.test')`)).toEqual([]);
    expect(await api.sql(`SELECT 1 FROM tenants WHERE code = 'leaf2'`)).toEqual([]);
    expect((await put(root, 'mssp', { quotas: { tenants: 5, users: 10 }, features: ['mssp', 'saml'] })).status).toBe(
      200,
    );
  });

  it('gives exactly one of 20 simultaneous creations the last unit of an allocation', async () => {
    const customer = (await get(root, 'customer')).body;
    // One unit left under the customer's allocation; the MSSP's (10) has room for more.
    expect((await get(root, 'mssp')).body.usage.users + 1).toBeLessThan(10);
    expect(
      (
        await put(msspAdmin, 'customer', {
          quotas: { tenants: 3, users: customer.usage.users + 1 },
          features: ['mssp', 'saml'],
        })
      ).status,
    ).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.request('POST', '/api/v1/users', {
          token: msspAdmin.token,
          tenant: 'customer',
          body: { email: `racer-${i}@customer.test`, password: PASSWORD, role: 'viewer' },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array<number>(19).fill(403)]);
    expect(results.filter((r) => r.status === 403).every((r) => r.body.error.code === 'license_quota_exceeded')).toBe(
      true,
    );
    expect((await get(root, 'customer')).body.usage.users).toBe(customer.usage.users + 1);
  });

  it('allows lowering an allocation below its usage, says so, and refuses creating until usage is below', async () => {
    const lowered = await put(msspAdmin, 'customer', { quotas: { tenants: 3, users: 1 }, features: ['mssp', 'saml'] });
    expect(lowered.status).toBe(200);
    const used = lowered.body.usage.users as number;
    expect(used).toBeGreaterThan(1);
    expect(lowered.body.over_allocated).toBe(true);
    expect(lowered.body.warnings).toEqual([
      expect.objectContaining({ code: 'usage_above_allocation', quota: 'users', limit: 1, value: used }),
      expect.objectContaining({ code: 'children_above_allocation', quota: 'users', limit: 1, value: 2 }),
    ]);
    const refused = await api.request('POST', '/api/v1/users', {
      token: msspAdmin.token,
      tenant: 'customer',
      body: { email: 'over@customer.test', password: PASSWORD, role: 'viewer' },
    });
    expect(errorOf(refused)).toEqual({ status: 403, code: 'license_quota_exceeded' });
    expect(refused.body.error.details).toEqual([
      expect.objectContaining({ limit: 1, usage: used, bound: 'allocation', tenant_id: t.customer }),
    ]);
    // What was there keeps working: the customer's admin still signs in and reads its users.
    expect((await api.request('GET', '/api/v1/users', { token: custAdmin.token })).status).toBe(200);
  });

  it('refuses bad input with 400 validation_failed and writes nothing', async () => {
    const before = await allocationRows();
    for (const body of [
      {},
      { quotas: [] },
      { quotas: 'x' },
      { quotas: { tenants: -1 } },
      { quotas: { users: 1.5 } },
      { quotas: { users: '3' } },
      { quotas: { widgets: 3 } },
      { quotas: { tenants: 1e13 } },
      { quotas: {}, features: ['teleport'] },
      { quotas: {}, features: ['mssp', 'mssp'] },
      { quotas: {}, features: 'mssp' },
      { quotas: {}, extra: true },
    ]) {
      const res = await put(msspAdmin, 'customer2', body);
      expect({ body, ...errorOf(res) }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
    expect(await allocationRows()).toEqual(before);
  });

  it('audits every change and every refusal', async () => {
    const rows = await api.sql<{ outcome: string; status_code: number }>(
      `SELECT outcome, status_code FROM audit_events WHERE action = 'license_allocation.update'`,
    );
    const outcomes = new Set(rows.map((r) => `${r.outcome}:${r.status_code}`));
    expect([...outcomes].sort()).toEqual(
      expect.arrayContaining(['success:200', 'failure:400', 'denied:403', 'denied:404']),
    );
  });

  it('removes an allocation: the subtree is then bounded from above only', async () => {
    const res = await api.request('DELETE', path('sub'), { token: msspAdmin.token });
    expect(res.status).toBe(204);
    expect((await get(root, 'sub')).body).toMatchObject({ allocated: false, quotas: {}, allocated_from: t.customer });
    expect((await api.request('DELETE', path('sub'), { token: msspAdmin.token })).status).toBe(204);
    expect(await api.sql(`SELECT 1 FROM license_allocations WHERE allocated_to = $1`, [t.sub])).toEqual([]);
  });

  it("stops counting a deleted tenant's allocation (its budget returns to the allocation above)", async () => {
    expect((await get(root, 'mssp')).body.allocated_to_children.tenants).toBe(5);
    expect((await api.request('DELETE', `/api/v1/tenants/${t.customer2}`, { token: msspAdmin.token })).status).toBe(
      204,
    );
    expect((await get(root, 'mssp')).body).toMatchObject({
      allocated_to_children: { tenants: 3 },
      available_to_allocate: { tenants: 2 },
    });
  });

  it('reports usage per subtree: the installation for platform admins, their own subtree for MSSP admins', async () => {
    const live = (
      await api.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM tenants WHERE deleted_at IS NULL AND code <> 'platform'`,
      )
    )[0].n;
    const members = (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM memberships`))[0].n;
    const all = await api.request('GET', '/api/v1/license/usage', { token: root.token });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ scope: 'installation', tenant_id: null });
    expect(all.body.quotas).toEqual(
      expect.arrayContaining([
        { quota: 'tenants', limit: TENANTS, usage: live },
        { quota: 'users', limit: PLANS.trial.quotas.users, usage: members },
      ]),
    );
    const codes = all.body.tenants.map((x: { code: string }) => x.code);
    expect(codes).toEqual(['mssp', 'mssp2', 'other', 'platform']);
    const msspRow = all.body.tenants.find((x: { code: string }) => x.code === 'mssp');
    expect(msspRow).toMatchObject({ allocation: { tenants: 5, users: 10 }, usage: { tenants: 3 } });

    const mine = await api.request('GET', '/api/v1/license/usage', { token: msspAdmin.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ scope: 'tenant', tenant_id: t.mssp });
    expect(mine.body.quotas).toEqual(expect.arrayContaining([{ quota: 'tenants', limit: 5, usage: 3 }]));
    expect(mine.body.tenants.map((x: { code: string }) => x.code)).toEqual(['customer']);
    expect(mine.body.tenants[0]).toMatchObject({ usage: { tenants: 2 }, allocation: { tenants: 3, users: 1 } });

    expect(errorOf(await api.request('GET', '/api/v1/license/usage', { token: custAdmin.token }))).toEqual({
      status: 403,
      code: 'forbidden',
    });
  });

  describe('feature gating', () => {
    it("refuses a gated route when the acting tenant's allocation leaves the feature out, naming it", async () => {
      // The MSSP's allocation without mssp: allowed (a lowering); re-allocating and making child tenants are refused.
      expect((await put(root, 'mssp', { quotas: { tenants: 5, users: 10 }, features: ['saml'] })).status).toBe(200);
      const before = await allocationRows();
      const gated = await put(msspAdmin, 'customer', { quotas: { tenants: 1 } });
      expect(errorOf(gated)).toEqual({ status: 403, code: 'license_feature_unavailable' });
      expect(gated.body.error.details).toEqual([
        expect.objectContaining({ feature: 'mssp', bound: 'allocation', tenant_id: t.mssp }),
      ]);
      expect(await allocationRows()).toEqual(before);
      const child = await api.request('POST', '/api/v1/tenants', {
        token: msspAdmin.token,
        body: { code: 'gated-child', name: 'Gated' },
      });
      expect(errorOf(child)).toEqual({ status: 403, code: 'license_feature_unavailable' });
      expect(child.body.error.details).toEqual([expect.objectContaining({ feature: 'mssp', tenant_id: t.mssp })]);
      expect(await api.sql(`SELECT 1 FROM tenants WHERE code = 'gated-child'`)).toEqual([]);
      // Reading stays open; what exists keeps working.
      expect((await get(msspAdmin, 'customer')).status).toBe(200);
      expect((await api.request('GET', '/api/v1/tenants', { token: msspAdmin.token })).status).toBe(200);
      expect((await put(root, 'mssp', { quotas: { tenants: 5, users: 10 }, features: ['mssp', 'saml'] })).status).toBe(
        200,
      );
    });

    it('shows the feature an operation needs in the OpenAPI document, with its 403', async () => {
      const doc = (await api.request('GET', '/docs-json')).body;
      const op = doc.paths['/api/v1/tenants/{id}/license-allocation'].put;
      expect(op['x-conduit-license-feature']).toBe('mssp');
      expect(op.responses['403'].description).toContain('license_feature_unavailable');
      expect(doc.paths['/api/v1/tenants/{id}/license-allocation'].get['x-conduit-license-feature']).toBeUndefined();
    });

    it('refuses when the licence in force lacks the feature (the community plan), at the installation', async () => {
      await useLicenseTerms(api, { features: PLANS.community.features });
      try {
        const gated = await put(root, 'other', { quotas: { tenants: 1 } });
        expect(errorOf(gated)).toEqual({ status: 403, code: 'license_feature_unavailable' });
        expect(gated.body.error.details).toEqual([
          expect.objectContaining({ feature: 'mssp', bound: 'installation', tenant_id: null }),
        ]);
        const child = await api.request('POST', '/api/v1/tenants', {
          token: root.token,
          body: { code: 'community-child', name: 'C', parent_id: t.other },
        });
        expect(errorOf(child)).toEqual({ status: 403, code: 'license_feature_unavailable' });
        // A tenant at the top needs no feature.
        const top = await api.request('POST', '/api/v1/tenants', {
          token: root.token,
          body: { code: 'community-top', name: 'C' },
        });
        expect(top.status).toBe(201);
      } finally {
        await useLicenseTerms(api, { features: PLANS.trial.features });
      }
    });
  });
});
