import { createHash } from 'node:crypto';
import { TestApi, startTestApi } from '../support/test-api';

describe('API keys', () => {
  let api: TestApi;
  let admin: { id: string; token: string };
  let analyst: { id: string; token: string };

  beforeAll(async () => {
    api = await startTestApi();
    await api.seedTenant('acme');
    await api.seedTenant('globex');
    admin = await api.seedUser('acme', 'tenant_admin');
    analyst = await api.seedUser('acme', 'analyst');
  });
  afterAll(() => api.close());

  const createKey = (body: Record<string, unknown>, token = admin.token) =>
    api.request('POST', '/api/v1/api-keys', { token, body });

  it('returns the key once, stores only a hash, and never shows it again', async () => {
    const res = await createKey({ name: 'siem', scopes: ['users:read'] });
    expect(res.status).toBe(201);
    expect(res.body.key).toMatch(/^ck_live_[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(res.body).toMatchObject({ name: 'siem', scopes: ['users:read'], role: 'tenant_admin', last_used_at: null });
    const get = await api.request('GET', `/api/v1/api-keys/${res.body.id}`, { token: admin.token });
    expect(get.status).toBe(200);
    expect(get.body.key).toBeUndefined();
    expect(JSON.stringify(get.body)).not.toContain(res.body.key.slice(20));
    const list = await api.request('GET', '/api/v1/api-keys', { token: admin.token });
    expect(JSON.stringify(list.body)).not.toContain(res.body.key.slice(20));
    const [row] = await api.sql('SELECT * FROM api_keys WHERE id = $1', [res.body.id]);
    expect(row.key_hash).toBe(createHash('sha256').update(res.body.key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(res.body.key.slice(20));
  });

  it('authenticates as Bearer or X-API-Key, records last use, and applies its scopes', async () => {
    const { body } = await createKey({ name: 'reader', scopes: ['users:read'] });
    const viaHeader = await api.request('GET', '/api/v1/users', { apiKey: body.key });
    expect(viaHeader.status).toBe(200);
    const viaBearer = await api.request('GET', '/api/v1/auth/me', { token: body.key });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body).toMatchObject({ kind: 'api_key', id: body.id, scopes: ['users:read'] });
    const write = await api.request('POST', '/api/v1/users', {
      apiKey: body.key,
      body: { email: 'bot-made@acme.test', password: 'correct-horse-battery-staple', role: 'viewer' },
    });
    expect(write.status).toBe(403);
    const keys = await api.request('GET', '/api/v1/api-keys', { apiKey: body.key });
    expect(keys.status).toBe(403);
    // last_used_at is recorded off the request path (fire and forget): wait for it rather than race it.
    const deadline = Date.now() + 5000;
    let after = await api.request('GET', `/api/v1/api-keys/${body.id}`, { token: admin.token });
    while (after.body.last_used_at === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      after = await api.request('GET', `/api/v1/api-keys/${body.id}`, { token: admin.token });
    }
    expect(after.body.last_used_at).toEqual(expect.any(String));
  });

  it('refuses revoked, expired, unknown and malformed keys, auditing refusals of known keys', async () => {
    const { body: key } = await createKey({ name: 'temp', scopes: ['*'] });
    expect((await api.request('GET', '/api/v1/auth/me', { apiKey: key.key })).status).toBe(200);
    expect((await api.request('DELETE', `/api/v1/api-keys/${key.id}`, { token: admin.token })).status).toBe(204);
    const revoked = await api.request('GET', '/api/v1/auth/me', { apiKey: key.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('api_key_revoked');
    const forged = `${key.key.slice(0, 20)}${'A'.repeat(key.key.length - 20)}`;
    expect((await api.request('GET', '/api/v1/auth/me', { apiKey: forged })).body.error.code).toBe('api_key_invalid');
    expect((await api.request('GET', '/api/v1/auth/me', { apiKey: 'ck_live_short' })).body.error.code).toBe(
      'api_key_invalid',
    );
    const audit = await api.request('GET', '/api/v1/audit-events?action=auth.api_key_refused', { token: admin.token });
    expect(audit.body.data[0]).toMatchObject({
      actor_type: 'api_key',
      actor_id: key.id,
      outcome: 'denied',
      metadata: { reason: 'api_key_revoked' },
    });

    const { body: expiring } = await createKey({
      name: 'expiring',
      scopes: ['*'],
      expires_at: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await api.request('GET', '/api/v1/auth/me', { apiKey: expiring.key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await api.request('GET', '/api/v1/auth/me', { apiKey: expiring.key });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('api_key_expired');
  });

  it('validates scopes, role and expiry', async () => {
    const badScope = await createKey({ name: 'x', scopes: ['everything'] });
    expect(badScope.status).toBe(400);
    expect(badScope.body.error.code).toBe('validation_failed');
    const noScopes = await createKey({ name: 'x', scopes: [] });
    expect(noScopes.status).toBe(400);
    const past = await createKey({ name: 'x', scopes: ['*'], expires_at: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error).toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ field: 'expires_at' })],
    });
    const tooHigh = await createKey({ name: 'x', scopes: ['*'], role: 'mssp_admin' });
    expect(tooHigh.status).toBe(403);
    expect(tooHigh.body.error.code).toBe('role_not_allowed');
    const byAnalyst = await createKey({ name: 'x', scopes: ['*'] }, analyst.token);
    expect(byAnalyst.status).toBe(403);
  });

  it("lets a key hold any role up to its creator's own: a platform admin mints platform_admin keys", async () => {
    await api.operator.ensurePlatformAdmin('root@platform.test', 'correct-horse-battery-staple');
    const root = (await api.login('root@platform.test', 'correct-horse-battery-staple')).access_token;
    const automation = await createKey({ name: 'automation', scopes: ['*'], role: 'platform_admin' }, root);
    expect(automation.status).toBe(201);
    expect(automation.body.role).toBe('platform_admin');
    expect((await api.request('GET', `/api/v1/api-keys/${automation.body.id}`, { token: root })).body.role).toBe(
      'platform_admin',
    );
    // It acts as a platform admin: in any tenant, which the mssp_admin key a platform admin gets by default cannot.
    const me = await api.request('GET', '/api/v1/auth/me', { apiKey: automation.body.key });
    expect(me.body).toMatchObject({ kind: 'api_key', role: 'platform_admin' });
    expect((await api.request('GET', '/api/v1/users', { apiKey: automation.body.key, tenant: 'acme' })).status).toBe(
      200,
    );
    const byDefault = await createKey({ name: 'default', scopes: ['*'] }, root);
    expect(byDefault.body.role).toBe('mssp_admin');
    expect((await api.request('GET', '/api/v1/users', { apiKey: byDefault.body.key, tenant: 'acme' })).status).toBe(
      404,
    );
    // Platform automation with a narrower key: a CI job creating a tenant (a root: platform admins only) and its admin.
    const provisioning = await createKey(
      { name: 'provisioning', scopes: ['tenants:write', 'users:write'], role: 'platform_admin' },
      root,
    );
    const tenant = await api.request('POST', '/api/v1/tenants', {
      apiKey: provisioning.body.key,
      body: { code: 'ci-made', name: 'Made by CI' },
    });
    expect(tenant.status).toBe(201);
    expect(tenant.body.parent_id).toBeNull();
    const user = await api.request('POST', '/api/v1/users', {
      apiKey: provisioning.body.key,
      tenant: 'ci-made',
      body: { email: 'admin@ci-made.test', password: 'correct-horse-battery-staple', role: 'tenant_admin' },
    });
    expect(user.status).toBe(201);
    const unscoped = await api.request('GET', '/api/v1/audit-events', { apiKey: provisioning.body.key });
    expect(unscoped.status).toBe(403);

    // A platform_admin key with "*" may mint another; one with less, or a key of a lower role, may not.
    const minted = await api.request('POST', '/api/v1/api-keys', {
      apiKey: automation.body.key,
      body: { name: 'minted', scopes: ['tenants:read'], role: 'platform_admin' },
    });
    expect(minted.status).toBe(201);
    expect(minted.body.role).toBe('platform_admin');
    const fromLower = await api.request('POST', '/api/v1/api-keys', {
      apiKey: byDefault.body.key,
      body: { name: 'x', scopes: ['*'], role: 'platform_admin' },
    });
    expect(fromLower.status).toBe(403);
    expect(fromLower.body.error.code).toBe('role_not_allowed');
  });

  it("refuses a key above its creator's role, and a platform_admin key outside the creator's own tenant", async () => {
    await api.seedTenant('msp');
    const msp = await api.seedUser('msp', 'mssp_admin');
    const own = await createKey({ name: 'msp-own', scopes: ['*'], role: 'mssp_admin' }, msp.token);
    expect(own.status).toBe(201);
    for (const [token, role] of [
      [msp.token, 'platform_admin'],
      [admin.token, 'platform_admin'],
      [admin.token, 'mssp_admin'],
      [analyst.token, 'tenant_admin'],
    ] as const) {
      const res = await createKey({ name: 'x', scopes: ['*'], role }, token);
      expect(res.status, role).toBe(403);
    }
    const tooHigh = await createKey({ name: 'x', scopes: ['*'], role: 'platform_admin' }, msp.token);
    expect(tooHigh.body.error.code).toBe('role_not_allowed');

    await api.operator.ensurePlatformAdmin('root@platform.test', 'correct-horse-battery-staple');
    const root = (await api.login('root@platform.test', 'correct-horse-battery-staple')).access_token;
    const elsewhere = await api.request('POST', '/api/v1/api-keys', {
      token: root,
      tenant: 'acme',
      body: { name: 'x', scopes: ['*'], role: 'platform_admin' },
    });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.code).toBe('role_not_allowed');
    const count = await api.sql(`SELECT count(*)::int AS n FROM api_keys WHERE name = 'x'`);
    expect(count[0].n).toBe(0);
  });

  it("keeps keys inside their tenant: another tenant's admin cannot see or revoke them", async () => {
    const { body } = await createKey({ name: 'private', scopes: ['*'] });
    const other = await api.seedUser('globex', 'tenant_admin');
    expect((await api.request('GET', `/api/v1/api-keys/${body.id}`, { token: other.token })).status).toBe(404);
    expect((await api.request('DELETE', `/api/v1/api-keys/${body.id}`, { token: other.token })).status).toBe(404);
    const list = await api.request('GET', '/api/v1/api-keys', { token: other.token });
    expect(list.body.data).toEqual([]);
    const me = await api.request('GET', '/api/v1/auth/me', { apiKey: body.key, tenant: 'globex' });
    expect(me.status).toBe(404);
  });

  it('blocks keys of a suspended tenant', async () => {
    await api.seedTenant('paused');
    const pausedAdmin = await api.seedUser('paused', 'tenant_admin');
    const { body } = await createKey({ name: 'k', scopes: ['*'] }, pausedAdmin.token);
    await api.operator.ensurePlatformAdmin('root@platform.test', 'correct-horse-battery-staple');
    const root = await api.login('root@platform.test', 'correct-horse-battery-staple');
    const paused = (await api.request('GET', '/api/v1/tenants/paused', { token: root.access_token })).body;
    await api.request('PATCH', `/api/v1/tenants/${paused.id}`, {
      token: root.access_token,
      body: { status: 'suspended' },
    });
    const res = await api.request('GET', '/api/v1/auth/me', { apiKey: body.key });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('tenant_suspended');
  });
});
