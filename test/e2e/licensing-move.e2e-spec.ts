// Moving a tenant (PATCH parent_id) is checked against the licence like creating its subtree there: the mssp feature
// at the new parent, the subtree's usage under every allocation it newly falls under, and the allocations it carries
// under the new parent's. Installation quotas unlimited, every feature; only allocations bound:
//   mssp {tenants 4, users 5, mssp} ─ customer {tenants 2} ─ sub      · other ─ other-child (2 members)
//                                   └ customer2                       · target {tenants 10} ─ target-a {tenants 8}
//   big ─ big-child {tenants 3}     · nomssp {saml only}              · lonely
import { HttpResult, TestApi, startTestApi } from '../support/test-api';
import { useLicenseTerms } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';

describe('Moving a tenant under the licence', () => {
  let api: TestApi;
  const t: Record<string, string> = {};
  let root: string;

  beforeAll(async () => {
    api = await startTestApi();
    await useLicenseTerms(api, {
      quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
    });
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = (await api.login('root@platform.test', PASSWORD)).access_token;
    for (const [code, parent] of [
      ['mssp', undefined],
      ['customer', 'mssp'],
      ['sub', 'customer'],
      ['customer2', 'mssp'],
      ['other', undefined],
      ['other-child', 'other'],
      ['target', undefined],
      ['target-a', 'target'],
      ['big', undefined],
      ['big-child', 'big'],
      ['nomssp', undefined],
      ['lonely', undefined],
    ] as const) {
      t[code] = (await api.seedTenant(code, parent)).id;
    }
    await api.seedUser('other-child', 'viewer', 'one@other.test');
    await api.seedUser('other-child', 'analyst', 'two@other.test');
    for (const [tenant, body] of [
      ['mssp', { quotas: { tenants: 4, users: 5 }, features: ['mssp'] }],
      ['customer', { quotas: { tenants: 2 } }],
      ['target', { quotas: { tenants: 10 } }],
      ['target-a', { quotas: { tenants: 8 } }],
      ['big-child', { quotas: { tenants: 3 } }],
      ['nomssp', { quotas: {}, features: ['saml'] }],
    ] as const) {
      const res = await api.request('PUT', `/api/v1/tenants/${t[tenant]}/license-allocation`, { token: root, body });
      expect(res.status).toBe(200);
    }
  });
  afterAll(() => api.close());

  const move = (tenant: string, to: string | null) =>
    api.request('PATCH', `/api/v1/tenants/${t[tenant]}`, {
      token: root,
      body: { parent_id: to === null ? null : t[to] },
    });
  const parentOf = async (tenant: string) =>
    (await api.sql<{ parent_id: string | null }>(`SELECT parent_id FROM tenants WHERE id = $1`, [t[tenant]]))[0]
      .parent_id;
  const errorOf = (res: HttpResult) => ({ status: res.status, code: res.body?.error?.code });
  const audited = (tenant: string) =>
    api.sql<{ outcome: string; status_code: number }>(
      `SELECT outcome, status_code FROM audit_events WHERE action = 'tenant.update' AND target_id = $1
        ORDER BY created_at`,
      [t[tenant]],
    );

  it('refuses moving a subtree below an allocation that cannot hold it, and changes nothing', async () => {
    // mssp has 3 tenants below it; other brings itself and other-child
    const res = await move('other', 'customer2');
    expect(errorOf(res)).toEqual({ status: 403, code: 'license_quota_exceeded' });
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ quota: 'tenants', limit: 4, usage: 3, bound: 'allocation', tenant_id: t.mssp }),
    ]);
    expect(await parentOf('other')).toBeNull();
    expect(await audited('other')).toEqual([{ outcome: 'denied', status_code: 403 }]);
  });

  it('moves the same subtree once the allocation has room, its members with it', async () => {
    const raised = await api.request('PUT', `/api/v1/tenants/${t.mssp}/license-allocation`, {
      token: root,
      body: { quotas: { tenants: 5, users: 5 }, features: ['mssp'] },
    });
    expect(raised.status).toBe(200);
    const res = await move('other', 'customer2');
    expect(res.status).toBe(200);
    expect(res.body.parent_id).toBe(t.customer2);
    expect(await parentOf('other')).toBe(t.customer2);
    const mssp = await api.request('GET', `/api/v1/tenants/${t.mssp}/license-allocation`, { token: root });
    expect(mssp.body.usage).toMatchObject({ tenants: 5, users: 2 });
  });

  it('does not refuse a move within the allocation the subtree is already under, full as it is', async () => {
    // mssp is at its limit: creating below it is refused, moving inside it is not
    const create = await api.request('POST', '/api/v1/tenants', {
      token: root,
      body: { code: 'one-more', name: 'One more', parent_id: t.customer2 },
    });
    expect(errorOf(create)).toEqual({ status: 403, code: 'license_quota_exceeded' });
    const res = await move('sub', 'customer2');
    expect(res.status).toBe(200);
    expect(await parentOf('sub')).toBe(t.customer2);
  });

  it("refuses carrying an allocation below a parent whose allocation cannot hold it with its children's", async () => {
    const res = await move('big-child', 'target');
    expect(errorOf(res)).toEqual({ status: 400, code: 'allocation_exceeds_parent' });
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ quota: 'tenants', limit: 10, allocated: 11, parent: t.target }),
    ]);
    expect(await parentOf('big-child')).toBe(t.big);
    // carved from target-a's 8 instead, it fits
    const below = await move('big-child', 'target-a');
    expect(below.status).toBe(200);
    expect(await parentOf('big-child')).toBe(t['target-a']);
  });

  it('refuses a move below a tenant whose licence leaves out mssp', async () => {
    const res = await move('lonely', 'nomssp');
    expect(errorOf(res)).toEqual({ status: 403, code: 'license_feature_unavailable' });
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ feature: 'mssp', bound: 'allocation', tenant_id: t.nomssp }),
    ]);
    expect(await parentOf('lonely')).toBeNull();
  });

  it('lets only one of a move and a creation take the last unit of an allocation', async () => {
    for (let i = 0; i < 5; i += 1) {
      const target = (await api.seedTenant(`race-${i}`)).id;
      const mover = (await api.seedTenant(`mover-${i}`)).id;
      const put = await api.request('PUT', `/api/v1/tenants/${target}/license-allocation`, {
        token: root,
        body: { quotas: { tenants: 1 } },
      });
      expect(put.status).toBe(200);
      const [moved, created] = await Promise.all([
        api.request('PATCH', `/api/v1/tenants/${mover}`, { token: root, body: { parent_id: target } }),
        api.request('POST', '/api/v1/tenants', {
          token: root,
          body: { code: `race-${i}-child`, name: 'Race child', parent_id: target },
        }),
      ]);
      const below = await api.sql(`SELECT id FROM tenants WHERE parent_id = $1 AND deleted_at IS NULL`, [target]);
      expect(below).toHaveLength(1);
      // exactly one passed (the one below); the other was refused on the allocation
      expect([moved.status, created.status].filter((s) => s < 300)).toHaveLength(1);
      const refused = moved.status < 300 ? created : moved;
      expect(errorOf(refused)).toEqual({ status: 403, code: 'license_quota_exceeded' });
    }
  });
});
