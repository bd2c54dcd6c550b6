// One person, one account, a membership per tenant (issue 16, "Accounts across tenants"): a tenant admin who creates a
// user whose email already has an account in another tenant adds a membership here, and the answer is shaped and
// filled exactly as for a brand-new user (no 409, no other tenant's name, dates or password). Tenants a and b are
// unrelated roots; alice@x.test is created in a first.
import { PLANS } from '@conduit/licensing';
import { TestApi, startTestApi } from '../support/test-api';

const PASSWORD = 'correct-horse-battery-staple';
const ALICE_PASSWORD = 'alice-own-password-in-a';
const B_SENT_PASSWORD = 'password-b-admin-chose';
const USER_FIELDS = [
  'created_at',
  'display_name',
  'email',
  'id',
  'last_login_at',
  'role',
  'status',
  'tenant_id',
  'updated_at',
];

describe('accounts across tenants', () => {
  let api: TestApi;
  let root: { token: string };
  let adminA: { token: string };
  let adminB: { id: string; token: string };
  const t: Record<string, { id: string; code: string }> = {};
  let aliceId: string;

  beforeAll(async () => {
    api = await startTestApi();
    t.root = await api.seedTenant('root');
    root = await api.seedUser('root', 'platform_admin');
    t.a = await api.seedTenant('tenant-a');
    t.b = await api.seedTenant('tenant-b');
    adminA = await api.seedUser('tenant-a', 'tenant_admin');
    adminB = await api.seedUser('tenant-b', 'tenant_admin');
  });
  afterAll(() => api.close());

  const usersUsage = async (): Promise<number> => {
    const res = await api.request('GET', '/api/v1/license/usage', { token: root.token });
    expect(res.status).toBe(200);
    return res.body.quotas.find((q: { quota: string }) => q.quota === 'users').usage;
  };

  /** What a fresh creation answers, field by field (nothing else may appear). */
  function expectFreshAnswer(
    body: Record<string, unknown>,
    expected: { email: string; display_name: string | null; role: string; tenant_id: string },
    before: number,
  ): void {
    expect(Object.keys(body).sort()).toEqual(USER_FIELDS);
    expect(body).toMatchObject({ ...expected, status: 'active', last_login_at: null });
    expect(body.id).toEqual(expect.any(String));
    // Both dates are this creation's, never an older account's.
    expect(body.created_at).toBe(body.updated_at);
    expect(Date.parse(body.created_at as string)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.created_at as string)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(JSON.stringify(body)).not.toMatch(/password|hash/);
  }

  it('creates alice in tenant a as a brand-new user (the answer every creation is compared with)', async () => {
    const before = Date.now() - 1000;
    const res = await api.request('POST', '/api/v1/users', {
      token: adminA.token,
      body: { email: 'Alice@x.test', password: ALICE_PASSWORD, role: 'analyst', display_name: 'Alice in A' },
    });
    expect(res.status).toBe(201);
    expectFreshAnswer(
      res.body,
      { email: 'alice@x.test', display_name: 'Alice in A', role: 'analyst', tenant_id: t.a.id },
      before,
    );
    aliceId = res.body.id;
    // She signs in (so her account has a last login and an older creation date than anything b creates).
    await api.login('alice@x.test', ALICE_PASSWORD, 'tenant-a');
  });

  it("lets b's admin create alice too: 201 with a fresh creation's answer, one account, two memberships", async () => {
    const usage = await usersUsage();
    // A brand-new user created by b for comparison: same status, same keys, same rules.
    const before = Date.now() - 1000;
    const fresh = await api.request('POST', '/api/v1/users', {
      token: adminB.token,
      body: { email: 'bob@x.test', password: B_SENT_PASSWORD, role: 'viewer', display_name: 'Bob' },
    });
    expect(fresh.status).toBe(201);
    expectFreshAnswer(
      fresh.body,
      { email: 'bob@x.test', display_name: 'Bob', role: 'viewer', tenant_id: t.b.id },
      before,
    );

    const res = await api.request('POST', '/api/v1/users', {
      token: adminB.token,
      body: { email: 'alice@X.test', password: B_SENT_PASSWORD, role: 'viewer', display_name: 'Alice (B)' },
    });
    expect(res.status).toBe(201);
    // The request's display name, b's role and tenant, this membership's dates, no last login: nothing of a's.
    expectFreshAnswer(
      res.body,
      { email: 'alice@x.test', display_name: 'Alice (B)', role: 'viewer', tenant_id: t.b.id },
      before,
    );
    expect(JSON.stringify(res.body)).not.toContain(t.a.id);
    expect(JSON.stringify(res.body)).not.toContain('Alice in A');
    // Without a display name the answer says null, as for a new user, even though her account has one.
    const carol = await api.request('POST', '/api/v1/users', {
      token: adminA.token,
      body: { email: 'carol@x.test', password: PASSWORD, role: 'viewer', display_name: 'Carol in A' },
    });
    expect(carol.status).toBe(201);
    const carolInB = await api.request('POST', '/api/v1/users', {
      token: adminB.token,
      body: { email: 'carol@x.test', password: B_SENT_PASSWORD, role: 'viewer' },
    });
    expect(carolInB.status).toBe(201);
    expect(carolInB.body.display_name).toBeNull();

    // One account, one membership in each tenant; the users quota counted both of b's new memberships and carol's.
    const accounts = await api.sql<{ id: string }>(`SELECT id FROM users WHERE email = 'alice@x.test'`);
    expect(accounts).toEqual([{ id: aliceId }]);
    expect(res.body.id).toBe(aliceId);
    const memberships = await api.sql<{ tenant_id: string; role: string }>(
      `SELECT tenant_id, role FROM memberships WHERE user_id = $1 ORDER BY created_at`,
      [aliceId],
    );
    expect(memberships).toEqual([
      { tenant_id: t.a.id, role: 'analyst' },
      { tenant_id: t.b.id, role: 'viewer' },
    ]);
    expect(await usersUsage()).toBe(usage + 4);
  });

  it('keeps her own password: the one b sent does not sign her in, hers does (in a and in b)', async () => {
    const wrong = await api.request('POST', '/api/v1/auth/login', {
      body: { email: 'alice@x.test', password: B_SENT_PASSWORD, tenant: 'tenant-b' },
    });
    expect(wrong.status).toBe(401);
    await api.login('alice@x.test', ALICE_PASSWORD, 'tenant-a');
    await api.login('alice@x.test', ALICE_PASSWORD, 'tenant-b');
    const hash = await api.sql<{ password_hash: string }>(
      `SELECT password_hash FROM users WHERE email = 'alice@x.test'`,
    );
    expect(hash[0].password_hash).not.toContain(B_SENT_PASSWORD);
  });

  it('answers 409 email_taken when she is already a member of this tenant, and writes nothing', async () => {
    const count = async () =>
      (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM memberships WHERE user_id = $1`, [aliceId]))[0].n;
    for (const admin of [adminA, adminB]) {
      const again = await api.request('POST', '/api/v1/users', {
        token: admin.token,
        body: { email: 'alice@x.test', password: B_SENT_PASSWORD, role: 'viewer' },
      });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('email_taken');
    }
    expect(await count()).toBe(2);
  });

  it("shows b's admin only b's membership, and b's changes stay in b", async () => {
    const list = await api.request('GET', '/api/v1/users?limit=100', { token: adminB.token });
    expect(list.status).toBe(200);
    const rows = list.body.data.filter((u: { email: string }) => u.email === 'alice@x.test');
    expect(rows).toEqual([expect.objectContaining({ id: aliceId, role: 'viewer', tenant_id: t.b.id })]);
    expect(JSON.stringify(list.body)).not.toContain(t.a.id);
    // The dates b sees are its membership's (those of the creation's answer), not the older account's.
    const [account] = await api.sql<{ created_at: Date }>(`SELECT created_at FROM users WHERE id = $1`, [aliceId]);
    const [inB] = await api.sql<{ created_at: Date }>(
      `SELECT created_at FROM memberships WHERE user_id = $1 AND tenant_id = $2`,
      [aliceId, t.b.id],
    );
    expect(inB.created_at.getTime()).toBeGreaterThan(account.created_at.getTime());
    expect(rows[0].created_at).toBe(inB.created_at.toISOString());
    const one = await api.request('GET', `/api/v1/users/${aliceId}`, { token: adminB.token });
    expect(one.body).toMatchObject({ created_at: inB.created_at.toISOString(), role: 'viewer', tenant_id: t.b.id });

    const role = await api.request('PATCH', `/api/v1/users/${aliceId}`, {
      token: adminB.token,
      body: { role: 'analyst' },
    });
    expect(role.status).toBe(200);
    expect(role.body).toMatchObject({ role: 'analyst', tenant_id: t.b.id });
    const roles = await api.sql<{ tenant_id: string; role: string }>(
      `SELECT tenant_id, role FROM memberships WHERE user_id = $1 ORDER BY created_at`,
      [aliceId],
    );
    expect(roles).toEqual([
      { tenant_id: t.a.id, role: 'analyst' },
      { tenant_id: t.b.id, role: 'analyst' },
    ]);
    const demote = await api.request('PATCH', `/api/v1/users/${aliceId}`, {
      token: adminB.token,
      body: { role: 'viewer' },
    });
    expect(demote.status).toBe(200);
    const inA = await api.request('GET', `/api/v1/users/${aliceId}`, { token: adminA.token });
    expect(inA.body).toMatchObject({ role: 'analyst', tenant_id: t.a.id });

    // b's admin cannot set her password: the same 200 as for any user, and her own password still signs her in.
    const pw = await api.request('PATCH', `/api/v1/users/${aliceId}`, {
      token: adminB.token,
      body: { password: B_SENT_PASSWORD },
    });
    expect(pw.status).toBe(200);
    const wrong = await api.request('POST', '/api/v1/auth/login', {
      body: { email: 'alice@x.test', password: B_SENT_PASSWORD, tenant: 'tenant-b' },
    });
    expect(wrong.status).toBe(401);
    await api.login('alice@x.test', ALICE_PASSWORD, 'tenant-a');

    // a user who belongs to b alone still gets the password b's admin sets.
    const bob = (await api.sql<{ id: string }>(`SELECT id FROM users WHERE email = 'bob@x.test'`))[0].id;
    const bobPw = await api.request('PATCH', `/api/v1/users/${bob}`, {
      token: adminB.token,
      body: { password: 'a-new-password-for-bob' },
    });
    expect(bobPw.status).toBe(200);
    await api.login('bob@x.test', 'a-new-password-for-bob', 'tenant-b');

    // Removing her from b leaves her account and a's membership.
    expect((await api.request('DELETE', `/api/v1/users/${aliceId}`, { token: adminB.token })).status).toBe(204);
    expect(await api.sql(`SELECT tenant_id FROM memberships WHERE user_id = $1`, [aliceId])).toEqual([
      { tenant_id: t.a.id },
    ]);
    await api.login('alice@x.test', ALICE_PASSWORD, 'tenant-a');
  });

  it('answers simultaneous adds of her account to one tenant with one 201 and 409 email_taken, never a 500', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.request('POST', '/api/v1/users', {
          token: adminB.token,
          body: { email: 'alice@x.test', password: B_SENT_PASSWORD, role: 'viewer' },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array<number>(7).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('email_taken');
    expect(
      await api.sql(`SELECT tenant_id FROM memberships WHERE user_id = $1 ORDER BY created_at`, [aliceId]),
    ).toEqual([{ tenant_id: t.a.id }, { tenant_id: t.b.id }]);
  });

  it('refuses the added membership with license_quota_exceeded when the users quota is full, and adds nothing', async () => {
    const dave = await api.operator.createUser({
      email: 'dave@x.test',
      password: PASSWORD,
      tenantCode: 'tenant-a',
      role: 'viewer',
    });
    const limit = PLANS.trial.quotas.users as number;
    for (let i = await usersUsage(); i < limit; i += 1)
      await api.operator.createUser({
        email: `filler-${i}@a.test`,
        password: PASSWORD,
        tenantCode: 'tenant-a',
        role: 'viewer',
      });
    expect(await usersUsage()).toBe(limit);
    const res = await api.request('POST', '/api/v1/users', {
      token: adminB.token,
      body: { email: 'dave@x.test', password: B_SENT_PASSWORD, role: 'viewer' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('license_quota_exceeded');
    expect(await api.sql(`SELECT tenant_id FROM memberships WHERE user_id = $1`, [dave.id])).toEqual([
      { tenant_id: t.a.id },
    ]);
  });
});
