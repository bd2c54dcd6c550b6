// Tenants and users APIs across roles and the MSSP hierarchy:
//   platform (platform_admin) ─ mssp (mssp_admin) ─┬─ cust-a ─ cust-a-sub
//                                                  └─ cust-b
//                               other (unrelated root)
import { TestApi, startTestApi } from '../support/test-api';

const PASSWORD = 'correct-horse-battery-staple';
type Seeded = { id: string; email: string; token: string };

describe('tenancy and roles', () => {
  let api: TestApi;
  const t: Record<string, { id: string; code: string }> = {};
  let root: Seeded, msspAdmin: Seeded, custAdmin: Seeded, custAnalyst: Seeded, custViewer: Seeded, otherAdmin: Seeded;

  beforeAll(async () => {
    api = await startTestApi();
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = {
      id: '',
      email: 'root@platform.test',
      token: (await api.login('root@platform.test', PASSWORD)).access_token,
    };
    t.mssp = await api.seedTenant('mssp');
    t.a = await api.seedTenant('cust-a', 'mssp');
    t.aSub = await api.seedTenant('cust-a-sub', 'cust-a');
    t.b = await api.seedTenant('cust-b', 'mssp');
    t.other = await api.seedTenant('other');
    msspAdmin = await api.seedUser('mssp', 'mssp_admin');
    custAdmin = await api.seedUser('cust-a', 'tenant_admin');
    custAnalyst = await api.seedUser('cust-a', 'analyst');
    custViewer = await api.seedUser('cust-a', 'viewer');
    otherAdmin = await api.seedUser('other', 'tenant_admin');
  });
  afterAll(() => api.close());

  const codes = (res: { body: { data: { code: string }[] } }) => res.body.data.map((x) => x.code).sort();

  describe('tenants API', () => {
    it('lists all tenants for platform admins, the subtree for MSSP admins, and only their own for others', async () => {
      const all = await api.request('GET', '/api/v1/tenants?limit=200', { token: root.token });
      expect(codes(all)).toEqual(
        expect.arrayContaining(['cust-a', 'cust-a-sub', 'cust-b', 'mssp', 'other', 'platform']),
      );
      const mssp = await api.request('GET', '/api/v1/tenants', { token: msspAdmin.token });
      expect(codes(mssp)).toEqual(['cust-a', 'cust-a-sub', 'cust-b', 'mssp']);
      for (const user of [custAdmin, custAnalyst, custViewer]) {
        expect(codes(await api.request('GET', '/api/v1/tenants', { token: user.token }))).toEqual(['cust-a']);
      }
    });

    it('paginates with a keyset cursor', async () => {
      const first = await api.request('GET', '/api/v1/tenants?limit=2', { token: root.token });
      expect(first.body.data).toHaveLength(2);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await api.request('GET', `/api/v1/tenants?limit=2&cursor=${first.body.next_cursor}`, {
        token: root.token,
      });
      expect(second.body.data).toHaveLength(2);
      const seen = [...first.body.data, ...second.body.data].map((x: { id: string }) => x.id);
      expect(new Set(seen).size).toBe(4);
      const bad = await api.request('GET', '/api/v1/tenants?cursor=garbage', { token: root.token });
      expect(bad.status).toBe(400);
    });

    it('returns 404 for tenants outside what the caller can see', async () => {
      expect((await api.request('GET', `/api/v1/tenants/${t.b.id}`, { token: custAdmin.token })).status).toBe(404);
      expect((await api.request('GET', `/api/v1/tenants/${t.other.id}`, { token: msspAdmin.token })).status).toBe(404);
      expect((await api.request('GET', `/api/v1/tenants/cust-a-sub`, { token: msspAdmin.token })).status).toBe(200);
      expect((await api.request('GET', `/api/v1/tenants/${t.a.id}`, { token: custViewer.token })).status).toBe(200);
    });

    it('lets MSSP admins create tenants below theirs only, and refuses everyone else', async () => {
      const created = await api.request('POST', '/api/v1/tenants', {
        token: msspAdmin.token,
        body: { code: 'cust-c', name: 'Customer C', contact_email: 'soc@c.test', settings: { tz: 'UTC' } },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        code: 'cust-c',
        parent_id: t.mssp.id,
        status: 'active',
        isolation: 'shared',
        settings: { tz: 'UTC' },
      });
      const outside = await api.request('POST', '/api/v1/tenants', {
        token: msspAdmin.token,
        body: { code: 'sneaky', name: 'x', parent_id: t.other.id },
      });
      expect(outside.status).toBe(400);
      expect(outside.body.error.code).toBe('tenant_parent_invalid');
      const byAdmin = await api.request('POST', '/api/v1/tenants', {
        token: custAdmin.token,
        body: { code: 'nope', name: 'x' },
      });
      expect(byAdmin.status).toBe(403);
      const dup = await api.request('POST', '/api/v1/tenants', {
        token: root.token,
        body: { code: 'cust-c', name: 'again' },
      });
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('tenant_code_taken');
    });

    it('lets MSSP admins update and delete descendants but not their own status; others are read-only', async () => {
      const upd = await api.request('PATCH', `/api/v1/tenants/${t.b.id}`, {
        token: msspAdmin.token,
        body: { name: 'Customer B Ltd' },
      });
      expect(upd.status).toBe(200);
      expect(upd.body.name).toBe('Customer B Ltd');
      const own = await api.request('PATCH', `/api/v1/tenants/${t.mssp.id}`, {
        token: msspAdmin.token,
        body: { status: 'suspended' },
      });
      expect(own.status).toBe(403);
      const byTenantAdmin = await api.request('PATCH', `/api/v1/tenants/${t.a.id}`, {
        token: custAdmin.token,
        body: { name: 'hijack' },
      });
      expect(byTenantAdmin.status).toBe(403);
      const move = await api.request('PATCH', `/api/v1/tenants/${t.b.id}`, {
        token: msspAdmin.token,
        body: { parent_id: t.other.id },
      });
      expect(move.status).toBe(403);
      const cycle = await api.request('PATCH', `/api/v1/tenants/${t.a.id}`, {
        token: root.token,
        body: { parent_id: t.aSub.id },
      });
      expect(cycle.status).toBe(400);
      expect(cycle.body.error.code).toBe('tenant_parent_cycle');
      const withChildren = await api.request('DELETE', `/api/v1/tenants/${t.a.id}`, { token: msspAdmin.token });
      expect(withChildren.status).toBe(409);
      expect(withChildren.body.error.code).toBe('tenant_has_children');
      const c = (await api.request('GET', '/api/v1/tenants/cust-c', { token: msspAdmin.token })).body;
      expect((await api.request('DELETE', `/api/v1/tenants/${c.id}`, { token: msspAdmin.token })).status).toBe(204);
      expect((await api.request('GET', `/api/v1/tenants/${c.id}`, { token: msspAdmin.token })).status).toBe(404);
      expect((await api.request('DELETE', `/api/v1/tenants/${t.other.id}`, { token: msspAdmin.token })).status).toBe(
        404,
      );
    });
  });

  describe('acting in another tenant with X-Tenant-Id', () => {
    it('lets MSSP admins act in descendants (by id or code) and nowhere else', async () => {
      const me = await api.request('GET', '/api/v1/auth/me', { token: msspAdmin.token, tenant: 'cust-a-sub' });
      expect(me.status).toBe(200);
      expect(me.body.tenant.code).toBe('cust-a-sub');
      expect(me.body.home_tenant_id).toBe(t.mssp.id);
      const create = await api.request('POST', '/api/v1/users', {
        token: msspAdmin.token,
        tenant: t.a.id,
        body: { email: 'made-by-mssp@a.test', password: PASSWORD, role: 'analyst' },
      });
      expect(create.status).toBe(201);
      expect(create.body.tenant_id).toBe(t.a.id);
      const users = await api.request('GET', '/api/v1/users', { token: custAdmin.token });
      expect(users.body.data.map((u: { email: string }) => u.email)).toContain('made-by-mssp@a.test');
      for (const ref of [t.other.id, 'other', 'platform', 'no-such-tenant']) {
        const res = await api.request('GET', '/api/v1/users', { token: msspAdmin.token, tenant: ref });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('tenant_not_found');
      }
    });

    it('lets platform admins act anywhere', async () => {
      const res = await api.request('GET', '/api/v1/users', { token: root.token, tenant: 'other' });
      expect(res.status).toBe(200);
      expect(res.body.data.map((u: { email: string }) => u.email)).toEqual([otherAdmin.email]);
    });

    it('gives 404 to anyone else naming another tenant, even their own child', async () => {
      for (const [user, target] of [
        [custAdmin, t.b.id],
        [custAdmin, t.aSub.id],
        [otherAdmin, t.a.id],
        [custAnalyst, 'cust-b'],
      ] as const) {
        const res = await api.request('GET', '/api/v1/auth/me', { token: user.token, tenant: target });
        expect(res.status).toBe(404);
      }
      const self = await api.request('GET', '/api/v1/auth/me', { token: custAdmin.token, tenant: 'cust-a' });
      expect(self.status).toBe(200);
    });
  });

  describe('users API', () => {
    it('is limited to tenant admins and above', async () => {
      for (const user of [custAnalyst, custViewer]) {
        expect((await api.request('GET', '/api/v1/users', { token: user.token })).status).toBe(403);
        const create = await api.request('POST', '/api/v1/users', {
          token: user.token,
          body: { email: 'x@a.test', password: PASSWORD, role: 'viewer' },
        });
        expect(create.status).toBe(403);
        expect(create.body.error.code).toBe('forbidden');
      }
      expect((await api.request('GET', '/api/v1/users', { token: custAdmin.token })).status).toBe(200);
    });

    it('never shows or touches users of another tenant', async () => {
      const list = await api.request('GET', '/api/v1/users', { token: otherAdmin.token });
      expect(list.body.data.map((u: { email: string }) => u.email)).toEqual([otherAdmin.email]);
      expect((await api.request('GET', `/api/v1/users/${custAnalyst.id}`, { token: otherAdmin.token })).status).toBe(
        404,
      );
      expect(
        (
          await api.request('PATCH', `/api/v1/users/${custAnalyst.id}`, {
            token: otherAdmin.token,
            body: { display_name: 'x' },
          })
        ).status,
      ).toBe(404);
      expect((await api.request('DELETE', `/api/v1/users/${custAnalyst.id}`, { token: otherAdmin.token })).status).toBe(
        404,
      );
    });

    it('creates, reads, updates and removes users, never granting above the caller', async () => {
      const created = await api.request('POST', '/api/v1/users', {
        token: custAdmin.token,
        body: { email: 'New.Person@a.test', password: PASSWORD, role: 'viewer', display_name: 'New Person' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        email: 'new.person@a.test',
        role: 'viewer',
        display_name: 'New Person',
        status: 'active',
      });
      expect(created.body).not.toHaveProperty('password');
      expect(created.body).not.toHaveProperty('password_hash');
      const id = created.body.id;
      expect((await api.request('GET', `/api/v1/users/${id}`, { token: custAdmin.token })).body.email).toBe(
        'new.person@a.test',
      );
      const promoted = await api.request('PATCH', `/api/v1/users/${id}`, {
        token: custAdmin.token,
        body: { role: 'analyst' },
      });
      expect(promoted.body.role).toBe('analyst');
      const tooHigh = await api.request('PATCH', `/api/v1/users/${id}`, {
        token: custAdmin.token,
        body: { role: 'mssp_admin' },
      });
      expect(tooHigh.status).toBe(403);
      expect(tooHigh.body.error.code).toBe('role_not_allowed');
      const createHigh = await api.request('POST', '/api/v1/users', {
        token: custAdmin.token,
        body: { email: 'boss@a.test', password: PASSWORD, role: 'platform_admin' },
      });
      expect(createHigh.status).toBe(403);
      const dup = await api.request('POST', '/api/v1/users', {
        token: custAdmin.token,
        body: { email: 'NEW.person@a.test', password: PASSWORD, role: 'viewer' },
      });
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('email_taken');
      const login = await api.request('POST', '/api/v1/auth/login', {
        body: { email: 'new.person@a.test', password: PASSWORD },
      });
      expect(login.status).toBe(200);
      expect((await api.request('DELETE', `/api/v1/users/${id}`, { token: custAdmin.token })).status).toBe(204);
      expect((await api.request('GET', `/api/v1/users/${id}`, { token: custAdmin.token })).status).toBe(404);
      const self = await api.request('DELETE', `/api/v1/users/${custAdmin.id}`, { token: custAdmin.token });
      expect(self.status).toBe(409);
    });
  });
});
