// Findings of the foundation audit, each reproduced against the real API: privilege escalation through API keys and
// user updates, lock-outs (own tenant, last admin), tree cycles, 500s on null fields and concurrent duplicates,
// refresh tokens consumed by refusals, unlimited failed authentication, shallow audit masking, Swagger gaps.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { TestApi, startTestApi } from '../support/test-api';
import { liftQuotas } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
const BOGUS_KEY = (n: number) => `ck_live_${n.toString(16).padStart(12, '0')}${'A'.repeat(43)}`;

describe('foundation hardening', () => {
  let api: TestApi;
  let root: { id: string; token: string };

  beforeAll(async () => {
    api = await startTestApi();
    // A 67-deep tenant tree and dozens of users: more than the trial plan allows, and not what this suite is about.
    await liftQuotas(api);
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    const token = (await api.login('root@platform.test', PASSWORD)).access_token;
    root = { id: (await api.request('GET', '/api/v1/auth/me', { token })).body.id, token };
  });
  afterAll(() => api.close());

  const createKey = (auth: { token?: string; apiKey?: string; tenant?: string }, body: Record<string, unknown>) =>
    api.request('POST', '/api/v1/api-keys', { ...auth, body });
  const tenantRow = async (code: string) => (await api.sql('SELECT * FROM tenants WHERE code = $1', [code]))[0];

  describe('API keys never grant more than they hold', () => {
    it('refuses a key minting scopes it lacks ("*" included) and allows the ones it holds', async () => {
      await api.seedTenant('keys');
      const admin = await api.seedUser('keys', 'tenant_admin');
      const minter = (await createKey({ token: admin.token }, { name: 'minter', scopes: ['api_keys:write'] })).body
        .key as string;
      const before = await api.sql('SELECT count(*)::int AS n FROM api_keys');
      for (const scopes of [['*'], ['users:read'], ['api_keys:write', 'audit_events:read']]) {
        const res = await createKey({ apiKey: minter }, { name: 'wider', scopes });
        expect({ scopes, status: res.status, code: res.body.error?.code }).toEqual({
          scopes,
          status: 403,
          code: 'scope_not_allowed',
        });
      }
      expect(await api.sql('SELECT count(*)::int AS n FROM api_keys')).toEqual(before);
      expect((await createKey({ apiKey: minter }, { name: 'same', scopes: ['api_keys:write'] })).status).toBe(201);
      expect((await createKey({ apiKey: minter }, { name: 'read', scopes: ['api_keys:read'] })).status).toBe(201);
      const full = (await createKey({ token: admin.token }, { name: 'full', scopes: ['*'] })).body.key as string;
      expect((await createKey({ apiKey: full }, { name: 'full-child', scopes: ['*'] })).status).toBe(201);
    });

    it('makes a key created by a key expire no later than its creator key', async () => {
      await api.seedTenant('expiry');
      const admin = await api.seedUser('expiry', 'tenant_admin');
      const parentExpiry = new Date(Date.now() + 3_600_000).toISOString();
      const parent = (
        await createKey({ token: admin.token }, { name: 'parent', scopes: ['*'], expires_at: parentExpiry })
      ).body;
      const inherited = await createKey({ apiKey: parent.key }, { name: 'inherits', scopes: ['users:read'] });
      expect(inherited.status).toBe(201);
      expect(inherited.body.expires_at).toBe(parent.expires_at);
      const longer = await createKey(
        { apiKey: parent.key },
        { name: 'outlives', scopes: ['*'], expires_at: new Date(Date.now() + 7_200_000).toISOString() },
      );
      expect(longer.status).toBe(403);
      expect(longer.body.error.code).toBe('expiry_not_allowed');
      const shorter = await createKey(
        { apiKey: parent.key },
        { name: 'shorter', scopes: ['*'], expires_at: new Date(Date.now() + 1_800_000).toISOString() },
      );
      expect(shorter.status).toBe(201);
    });

    it("caps a key at its creator's current role and stops it while the creator is disabled or gone", async () => {
      await api.seedTenant('owned');
      const boss = await api.seedUser('owned', 'tenant_admin');
      const maker = await api.seedUser('owned', 'tenant_admin', 'maker@owned.test');
      const { key } = (await createKey({ token: maker.token }, { name: 'makers', scopes: ['*'] })).body;
      expect((await api.request('GET', '/api/v1/users', { apiKey: key })).status).toBe(200);

      expect(
        (await api.request('PATCH', `/api/v1/users/${maker.id}`, { token: boss.token, body: { role: 'analyst' } }))
          .status,
      ).toBe(200);
      expect((await api.request('GET', '/api/v1/auth/me', { apiKey: key })).body.role).toBe('analyst');
      expect((await api.request('GET', '/api/v1/users', { apiKey: key })).status).toBe(403);

      expect(
        (await api.request('PATCH', `/api/v1/users/${maker.id}`, { token: boss.token, body: { status: 'disabled' } }))
          .status,
      ).toBe(200);
      const disabled = await api.request('GET', '/api/v1/auth/me', { apiKey: key });
      expect(disabled.status).toBe(401);
      expect(disabled.body.error.code).toBe('api_key_creator_inactive');
      expect(
        (await api.request('PATCH', `/api/v1/users/${maker.id}`, { token: boss.token, body: { status: 'active' } }))
          .status,
      ).toBe(200);
      expect((await api.request('GET', '/api/v1/auth/me', { apiKey: key })).status).toBe(200);

      expect((await api.request('DELETE', `/api/v1/users/${maker.id}`, { token: boss.token })).status).toBe(204);
      const orphaned = await api.request('GET', '/api/v1/auth/me', { apiKey: key });
      expect(orphaned.status).toBe(401);
      expect(orphaned.body.error.code).toBe('api_key_creator_inactive');
      const audit = await api.request('GET', '/api/v1/audit-events?action=auth.api_key_refused', { token: boss.token });
      expect(audit.body.data[0]).toMatchObject({ outcome: 'denied', metadata: { reason: 'api_key_creator_inactive' } });
    });

    it('keeps keys that platform and MSSP admins create in tenants below theirs working', async () => {
      await api.seedTenant('reach-mssp');
      await api.seedTenant('reach-child', 'reach-mssp');
      const mssp = await api.seedUser('reach-mssp', 'mssp_admin');
      const byRoot = (
        await createKey({ token: root.token, tenant: 'reach-child' }, { name: 'root-made', scopes: ['*'] })
      ).body.key as string;
      const byMssp = (
        await createKey({ token: mssp.token, tenant: 'reach-child' }, { name: 'mssp-made', scopes: ['*'] })
      ).body.key as string;
      for (const key of [byRoot, byMssp]) {
        const me = await api.request('GET', '/api/v1/auth/me', { apiKey: key });
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({ role: 'mssp_admin', tenant: { code: 'reach-child' } });
      }
    });
  });

  describe('users cannot lock themselves or their tenant out', () => {
    it('refuses changing your own role or status, and allows the rest of your profile', async () => {
      const self = await api.request('PATCH', `/api/v1/users/${root.id}`, {
        token: root.token,
        body: { role: 'viewer' },
      });
      expect(self.status).toBe(403);
      expect(self.body.error.code).toBe('cannot_change_own_role');
      await api.seedTenant('selfish');
      const admin = await api.seedUser('selfish', 'tenant_admin');
      await api.seedUser('selfish', 'tenant_admin', 'other-admin@selfish.test');
      const disable = await api.request('PATCH', `/api/v1/users/${admin.id}`, {
        token: admin.token,
        body: { status: 'disabled' },
      });
      expect(disable.status).toBe(403);
      expect(disable.body.error.code).toBe('cannot_change_own_status');
      const demote = await api.request('PATCH', `/api/v1/users/${admin.id}`, {
        token: admin.token,
        body: { role: 'viewer' },
      });
      expect(demote.body.error.code).toBe('cannot_change_own_role');
      const profile = await api.request('PATCH', `/api/v1/users/${admin.id}`, {
        token: admin.token,
        body: { display_name: 'Me', status: 'active', role: 'tenant_admin' },
      });
      expect(profile.status).toBe(200);
      const [row] = await api.sql(
        `SELECT m.role, u.status FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.id = $1`,
        [admin.id],
      );
      expect(row).toEqual({ role: 'tenant_admin', status: 'active' });
      expect((await api.sql(`SELECT role FROM memberships WHERE user_id = $1`, [root.id]))[0].role).toBe(
        'platform_admin',
      );
    });

    it('keeps the last active admin of a tenant, even against a platform admin acting there', async () => {
      await api.seedTenant('solo');
      const only = await api.seedUser('solo', 'tenant_admin');
      const analyst = await api.seedUser('solo', 'analyst');
      const asRoot = (method: string, path: string, body?: unknown) =>
        api.request(method, path, { token: root.token, tenant: 'solo', body });
      for (const [method, body] of [
        ['DELETE', undefined],
        ['PATCH', { role: 'viewer' }],
        ['PATCH', { status: 'disabled' }],
      ] as const) {
        const res = await asRoot(method, `/api/v1/users/${only.id}`, body);
        expect({ method, body, status: res.status, code: res.body?.error?.code }).toEqual({
          method,
          body,
          status: 409,
          code: 'last_admin',
        });
      }
      expect((await asRoot('DELETE', `/api/v1/users/${analyst.id}`)).status).toBe(204);
      const second = await asRoot('POST', '/api/v1/users', {
        email: 'second@solo.test',
        password: PASSWORD,
        role: 'tenant_admin',
      });
      expect(second.status).toBe(201);
      expect((await asRoot('PATCH', `/api/v1/users/${only.id}`, { role: 'viewer' })).status).toBe(200);
      expect((await asRoot('PATCH', `/api/v1/users/${second.body.id}`, { role: 'analyst' })).body.error.code).toBe(
        'last_admin',
      );
      // A disabled admin is no admin: it does not make the active one removable.
      const third = await asRoot('POST', '/api/v1/users', {
        email: 'third@solo.test',
        password: PASSWORD,
        role: 'tenant_admin',
      });
      expect((await asRoot('PATCH', `/api/v1/users/${third.body.id}`, { status: 'disabled' })).status).toBe(200);
      expect((await asRoot('DELETE', `/api/v1/users/${second.body.id}`)).body.error.code).toBe('last_admin');
    });

    it('keeps the last platform admin of the platform tenant', async () => {
      await api.seedTenant('ops');
      const elsewhere = await api.seedUser('ops', 'platform_admin');
      const res = await api.request('PATCH', `/api/v1/users/${root.id}`, {
        token: elsewhere.token,
        tenant: 'platform',
        body: { role: 'mssp_admin' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('last_admin');
    });

    it("lets only one of two concurrent demotions of a tenant's two admins succeed", async () => {
      // A platform admin acting there demotes both at once (its own authority does not change); in several tenants.
      const duels = await Promise.all(
        ['duel-1', 'duel-2', 'duel-3'].map(async (code) => {
          await api.seedTenant(code);
          return {
            code,
            admins: [
              await api.seedUser(code, 'tenant_admin'),
              await api.seedUser(code, 'tenant_admin', `second@${code}.test`),
            ],
          };
        }),
      );
      const results = await Promise.all(
        duels.flatMap(({ code, admins }) =>
          admins.map((a) =>
            api.request('PATCH', `/api/v1/users/${a.id}`, {
              token: root.token,
              tenant: code,
              body: { role: 'viewer' },
            }),
          ),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 409, 409, 409]);
      const left = await api.sql(
        `SELECT t.code, count(*)::int AS n FROM memberships m JOIN tenants t ON t.id = m.tenant_id
          WHERE t.code LIKE 'duel-%' AND m.role = 'tenant_admin' GROUP BY t.code ORDER BY t.code`,
      );
      expect(left).toEqual(duels.map(({ code }) => ({ code, n: 1 })));
    });

    it('refuses deleting, suspending or deactivating your own home tenant, platform admins included', async () => {
      const platform = await tenantRow('platform');
      for (const [method, body] of [
        ['DELETE', undefined],
        ['PATCH', { status: 'suspended' }],
        ['PATCH', { status: 'inactive' }],
      ] as const) {
        const res = await api.request(method, `/api/v1/tenants/${platform.id}`, { token: root.token, body });
        expect({ status: res.status, code: res.body.error?.code }).toEqual({
          status: 403,
          code: 'tenant_update_forbidden',
        });
      }
      expect(
        (await api.request('PATCH', '/api/v1/tenants/platform', { token: root.token, body: { name: 'Platform' } }))
          .status,
      ).toBe(200);
      expect(await tenantRow('platform')).toMatchObject({ status: 'active', deleted_at: null });
      await api.seedTenant('home-mssp');
      const mssp = await api.seedUser('home-mssp', 'mssp_admin');
      const own = await api.request('DELETE', '/api/v1/tenants/home-mssp', { token: mssp.token });
      expect({ status: own.status, code: own.body.error.code }).toEqual({
        status: 403,
        code: 'tenant_update_forbidden',
      });
    });
  });

  describe('the tenant tree', () => {
    it('refuses a move that would make a cycle, however deep the tree', async () => {
      const ids: string[] = [];
      for (let i = 0; i <= 66; i += 1)
        ids.push((await api.seedTenant(`deep-${i}`, i === 0 ? undefined : `deep-${i - 1}`)).id);
      const res = await api.request('PATCH', '/api/v1/tenants/deep-0', {
        token: root.token,
        body: { parent_id: ids[66] },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('tenant_parent_cycle');
      expect((await tenantRow('deep-0')).parent_id).toBeNull();
      // The walks down and up have no depth limit either: an MSSP admin at the top sees and acts in the deep end.
      const mssp = await api.seedUser('deep-0', 'mssp_admin');
      const listed = await api.request('GET', '/api/v1/tenants?limit=200', { token: mssp.token });
      expect(listed.body.data.map((t: { code: string }) => t.code)).toContain('deep-66');
      expect((await api.request('GET', '/api/v1/auth/me', { token: mssp.token, tenant: 'deep-66' })).status).toBe(200);
    });

    it('lets only one of two crossing moves happen', async () => {
      // Several pairs at once: a under b and b under a, each alone a valid move, together a cycle.
      const pairs = await Promise.all(
        [1, 2, 3, 4, 5].map(
          async (n) => [await api.seedTenant(`swing-${n}a`), await api.seedTenant(`swing-${n}b`)] as const,
        ),
      );
      const results = await Promise.all(
        pairs.flatMap(([a, b]) => [
          api.request('PATCH', `/api/v1/tenants/${a.id}`, { token: root.token, body: { parent_id: b.id } }),
          api.request('PATCH', `/api/v1/tenants/${b.id}`, { token: root.token, body: { parent_id: a.id } }),
        ]),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(pairs.length);
      expect(results.filter((r) => r.status !== 200).every((r) => r.body.error.code === 'tenant_parent_cycle')).toBe(
        true,
      );
      const cycles = await api.sql(
        `SELECT a.code FROM tenants a JOIN tenants b ON b.id = a.parent_id WHERE b.parent_id = a.id AND a.code LIKE 'swing-%'`,
      );
      expect(cycles).toEqual([]);
    });

    it('reads parent_id null as "make it a root" (platform admins only), never as the code "null"', async () => {
      await api.seedTenant('null');
      await api.seedTenant('tree-mssp');
      await api.seedTenant('mover', 'tree-mssp');
      const mssp = await api.seedUser('tree-mssp', 'mssp_admin');
      const byMssp = await api.request('PATCH', '/api/v1/tenants/mover', {
        token: mssp.token,
        body: { parent_id: null },
      });
      expect({ status: byMssp.status, code: byMssp.body.error.code }).toEqual({
        status: 403,
        code: 'tenant_update_forbidden',
      });
      const res = await api.request('PATCH', '/api/v1/tenants/mover', { token: root.token, body: { parent_id: null } });
      expect(res.status).toBe(200);
      expect(res.body.parent_id).toBeNull();
      expect((await tenantRow('mover')).parent_id).toBeNull();
    });

    it('refuses tenant codes shaped like UUIDs, which could never be addressed by code', async () => {
      const code = '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f';
      const res = await api.request('POST', '/api/v1/tenants', {
        token: root.token,
        body: { code, name: 'Looks like an id' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'validation_failed',
        details: [expect.objectContaining({ field: 'code' })],
      });
      await expect(api.operator.createTenant({ code, name: 'x' })).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await api.sql('SELECT 1 FROM tenants WHERE code = $1', [code])).toEqual([]);
    });

    it('lets MSSP admins act in a suspended child (to inspect and reactivate it) while its own users cannot', async () => {
      await api.seedTenant('sus-mssp');
      await api.seedTenant('sus-child', 'sus-mssp');
      const mssp = await api.seedUser('sus-mssp', 'mssp_admin');
      const local = await api.seedUser('sus-child', 'tenant_admin');
      expect(
        (await api.request('PATCH', '/api/v1/tenants/sus-child', { token: mssp.token, body: { status: 'suspended' } }))
          .status,
      ).toBe(200);
      expect((await api.request('GET', '/api/v1/users', { token: local.token })).body.error.code).toBe(
        'tenant_suspended',
      );
      expect((await api.request('GET', '/api/v1/users', { token: mssp.token, tenant: 'sus-child' })).status).toBe(200);
      expect(
        (await api.request('PATCH', '/api/v1/tenants/sus-child', { token: mssp.token, body: { status: 'active' } }))
          .status,
      ).toBe(200);
    });
  });

  describe('input that used to be a 500', () => {
    it('refuses null for required tenant fields and clears contact_email', async () => {
      const { id } = await api.seedTenant('nulls');
      for (const field of ['name', 'status', 'settings', 'compliance_settings']) {
        const res = await api.request('PATCH', `/api/v1/tenants/${id}`, { token: root.token, body: { [field]: null } });
        expect({
          field,
          status: res.status,
          code: res.body.error?.code,
          detail: res.body.error?.details?.[0]?.field,
        }).toEqual({
          field,
          status: 400,
          code: 'validation_failed',
          detail: field,
        });
      }
      await api.request('PATCH', `/api/v1/tenants/${id}`, {
        token: root.token,
        body: { contact_email: 'soc@nulls.test' },
      });
      const cleared = await api.request('PATCH', `/api/v1/tenants/${id}`, {
        token: root.token,
        body: { contact_email: null, settings: {} },
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ contact_email: null, settings: {} });
    });

    it('refuses null for role, status and password of a user (400, not 403 or 500)', async () => {
      await api.seedTenant('user-nulls');
      const admin = await api.seedUser('user-nulls', 'tenant_admin');
      const viewer = await api.seedUser('user-nulls', 'viewer');
      for (const field of ['role', 'status', 'password']) {
        const res = await api.request('PATCH', `/api/v1/users/${viewer.id}`, {
          token: admin.token,
          body: { [field]: null },
        });
        expect({ field, status: res.status, code: res.body.error?.code }).toEqual({
          field,
          status: 400,
          code: 'validation_failed',
        });
      }
      const cleared = await api.request('PATCH', `/api/v1/users/${viewer.id}`, {
        token: admin.token,
        body: { display_name: null },
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body.display_name).toBeNull();
    });

    it('answers concurrent creates of one tenant code with one 201 and 409 tenant_code_taken', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          api.request('POST', '/api/v1/tenants', { token: root.token, body: { code: 'racer', name: 'Racer' } }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'tenant_code_taken')).toBe(
        true,
      );
      expect(await api.sql(`SELECT 1 FROM tenants WHERE code = 'racer'`)).toHaveLength(1);
    });

    it('answers concurrent creates of one email with one 201 and 409 email_taken', async () => {
      await api.seedTenant('email-race');
      const admin = await api.seedUser('email-race', 'tenant_admin');
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          api.request('POST', '/api/v1/users', {
            token: admin.token,
            body: { email: 'twin@race.test', password: PASSWORD, role: 'viewer' },
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'email_taken')).toBe(true);
    });

    it('refuses a past expires_at for an API key as validation_failed on expires_at', async () => {
      await api.seedTenant('past');
      const admin = await api.seedUser('past', 'tenant_admin');
      const res = await createKey(
        { token: admin.token },
        { name: 'x', scopes: ['*'], expires_at: '2001-01-01T00:00:00Z' },
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'validation_failed',
        details: [expect.objectContaining({ field: 'expires_at' })],
      });
    });
  });

  describe('refresh', () => {
    it('does not consume the refresh token when it refuses a disabled user or a suspended tenant', async () => {
      const { id: tenantId } = await api.seedTenant('fresh');
      const admin = await api.seedUser('fresh', 'tenant_admin');
      const user = await api.seedUser('fresh', 'viewer');
      const refresh = (token: string) =>
        api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: token } });
      await api.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.token, body: { status: 'disabled' } });
      const refused = await refresh(user.refresh);
      expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 403, code: 'user_disabled' });
      await api.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.token, body: { status: 'active' } });
      const again = await refresh(user.refresh);
      expect(again.status).toBe(200);

      await api.request('PATCH', `/api/v1/tenants/${tenantId}`, { token: root.token, body: { status: 'suspended' } });
      expect((await refresh(again.body.refresh_token)).body.error.code).toBe('tenant_suspended');
      await api.request('PATCH', `/api/v1/tenants/${tenantId}`, { token: root.token, body: { status: 'active' } });
      const resumed = await refresh(again.body.refresh_token);
      expect(resumed.status).toBe(200);
      expect((await api.request('GET', '/api/v1/auth/me', { token: resumed.body.access_token })).status).toBe(200);
      const reuse = await api.sql(
        `SELECT 1 FROM audit_events WHERE tenant_id = $1 AND metadata->>'reason' = 'refresh_token_reused'`,
        [tenantId],
      );
      expect(reuse).toEqual([]);
    });

    it('still treats an old token of the family as reuse while refusing', async () => {
      await api.seedTenant('stale');
      const admin = await api.seedUser('stale', 'tenant_admin');
      const user = await api.seedUser('stale', 'viewer');
      const rotated = await api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refresh } });
      await api.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.token, body: { status: 'disabled' } });
      const stale = await api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refresh } });
      expect(stale.body.error.code).toBe('refresh_token_reused');
      await api.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.token, body: { status: 'active' } });
      expect(
        (await api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: rotated.body.refresh_token } }))
          .status,
      ).toBe(401);
    });
  });

  describe('audit and documentation', () => {
    it('masks secrets in audit changes at any depth', async () => {
      const { id } = await api.seedTenant('masked');
      let settings: Record<string, unknown> = { password: 'nine-levels-deep', keep: 'visible' };
      for (let i = 0; i < 9; i += 1) settings = { [`level${i}`]: settings };
      expect(
        (await api.request('PATCH', `/api/v1/tenants/${id}`, { token: root.token, body: { settings } })).status,
      ).toBe(200);
      const [row] = await api.sql(
        `SELECT changes::text AS changes FROM audit_events WHERE action = 'tenant.update' AND target_id = $1`,
        [id],
      );
      expect(row.changes).not.toContain('nine-levels-deep');
      expect(row.changes).toContain('[REDACTED]');
      expect(row.changes).toContain('visible');
    });

    it('documents the 204 of every DELETE and of logout', async () => {
      const doc = (await api.request('GET', '/docs-json')).body;
      for (const [path, method] of [
        ['/api/v1/api-keys/{id}', 'delete'],
        ['/api/v1/tenants/{id}', 'delete'],
        ['/api/v1/users/{id}', 'delete'],
        ['/api/v1/auth/logout', 'post'],
      ]) {
        expect(Object.keys(doc.paths[path][method].responses)).toContain('204');
      }
      expect(Object.keys(doc.paths['/api/v1/auth/logout'].post.responses)).toContain('400');
    });

    it('refuses logout with an API key instead of pretending (400 logout_requires_session)', async () => {
      await api.seedTenant('logout');
      const admin = await api.seedUser('logout', 'tenant_admin');
      const { key } = (await createKey({ token: admin.token }, { name: 'k', scopes: ['*'] })).body;
      const res = await api.request('POST', '/api/v1/auth/logout', { apiKey: key });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('logout_requires_session');
      expect((await api.request('GET', '/api/v1/auth/me', { apiKey: key })).status).toBe(200);
    });
  });
});

describe('failed authentication limit', () => {
  let api: TestApi;

  // RATE_LIMIT_PER_MINUTE 200: failed authentications are limited to a tenth, 20 per address and minute.
  beforeAll(async () => {
    api = await startTestApi({ RATE_LIMIT_PER_MINUTE: '200' });
    await api.seedTenant('acme');
  });
  afterAll(() => api.close());

  it('answers 429 with Retry-After once an address fails too often, and counts neither successes nor missing credentials', async () => {
    const user = await api.seedUser('acme', 'viewer');
    for (let i = 0; i < 30; i += 1) {
      expect((await api.request('GET', '/api/v1/auth/me', { token: user.token })).status).toBe(200);
      expect((await api.request('GET', '/api/v1/auth/me')).status).toBe(401);
    }
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestApi['request']>> | undefined;
    for (let i = 0; i < 40; i += 1) {
      const res = await api.request('GET', '/api/v1/auth/me', { apiKey: BOGUS_KEY(i) });
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(20).fill(429));
    expect(limited?.body).toEqual({
      error: { code: 'rate_limited', message: expect.any(String), details: expect.any(Array) },
      request_id: limited?.headers.get('x-request-id'),
    });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // The address is blocked as a whole for a while: no credential is checked from it.
    expect((await api.request('GET', '/api/v1/auth/me', { token: user.token })).status).toBe(429);
  });
});

describe('identity-provider tokens with unstorable claims', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  let server: Server;
  let api: TestApi;
  const sign = (claims: Record<string, unknown>) =>
    jwt.sign(claims, privateKey, {
      algorithm: 'RS256',
      keyid: 'k1',
      expiresIn: 300,
      issuer: 'https://idp.example.test/',
      audience: 'conduit',
    });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    api = await startTestApi({
      JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      JWT_JWKS_ISSUER: 'https://idp.example.test/',
      JWT_JWKS_AUDIENCE: 'conduit',
    });
    await api.seedTenant('acme');
    await api.seedUser('acme', 'analyst', 'sso@acme.test');
  });
  afterAll(async () => {
    await api.close();
    server.close();
  });

  it('refuses NUL and unpaired surrogates in the tenant and email claims with 401 token_invalid', async () => {
    expect(
      (await api.request('GET', '/api/v1/auth/me', { token: sign({ email: 'sso@acme.test', tid: 'acme' }) })).status,
    ).toBe(200);
    for (const claims of [
      { email: 'sso@acme.test', tid: 'ac\u0000me' },
      { email: 'sso\u0000@acme.test', tid: 'acme' },
      { email: 'sso@acme.test', tid: 'acme\ud800' },
      { email: '\udc00sso@acme.test', tid: 'acme' },
    ]) {
      const res = await api.request('GET', '/api/v1/auth/me', { token: sign(claims) });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code: 'token_invalid' });
    }
  });
});
