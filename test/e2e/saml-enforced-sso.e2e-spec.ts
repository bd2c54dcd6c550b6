// Enforced SSO with a real identity provider (issue 16): once a tenant enforces SSO, its members' passwords stop
// working (403 sso_required naming the connection's login URL), the same people sign in through the IdP and keep
// refreshing that session, a platform admin still has the audited break-glass, API keys keep working, and the same
// person's membership in a tenant that does not enforce SSO is untouched.
import { TestApi, startTestApi } from '../support/test-api';
import { TestIdp, startTestIdp } from '../support/saml-idp';
import { connectionFromIdp, createConnection, signInThroughIdp } from '../support/saml-flow';

const PASSWORD = 'correct-horse-battery-staple';

describe('enforced SSO through a SAML identity provider', () => {
  let api: TestApi;
  let idp: TestIdp;
  const t: Record<string, { id: string; code: string }> = {};
  let admin: { id: string; email: string; token: string };
  let connectionId: string;

  beforeAll(async () => {
    api = await startTestApi();
    idp = await startTestIdp();
    t.platform = await api.seedTenant('platform');
    await api.seedUser('platform', 'platform_admin');
    t.acme = await api.seedTenant('acme');
    t.other = await api.seedTenant('other');
    admin = await api.seedUser('acme', 'tenant_admin');
    const otherAdmin = await api.seedUser('other', 'tenant_admin');
    connectionId = await createConnection(
      api,
      admin.token,
      connectionFromIdp(idp, { role_mapping: { 'soc-analysts': 'analyst' }, default_role: null }),
    );
    // Dana is a member of acme (password set by acme's admin) and of other.
    for (const [token, role] of [
      [admin.token, 'analyst'],
      [otherAdmin.token, 'viewer'],
    ] as const) {
      const res = await api.request('POST', '/api/v1/users', {
        token,
        body: { email: 'dana@acme.test', password: PASSWORD, role },
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await idp?.close();
    await api?.close();
  });

  const login = (email: string, tenant: string, password = PASSWORD) =>
    api.request('POST', '/api/v1/auth/login', { body: { email, password, tenant } });
  const refresh = (refreshToken: string) =>
    api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: refreshToken } });

  it('refuses passwords with the login URL, lets the IdP sign people in and refresh, and leaves other tenants alone', async () => {
    const before = await login('dana@acme.test', 'acme');
    expect(before.status).toBe(200);
    const key = await api.request('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'automation', scopes: ['users:read'] },
    });
    expect(key.status).toBe(201);

    const on = await api.request('PATCH', '/api/v1/auth/settings', {
      token: admin.token,
      body: { sso_enforced: true },
    });
    expect(on.status).toBe(200);

    const refused = await login('dana@acme.test', 'acme');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('sso_required');
    expect(refused.body.error.details.map((d: { login_url: string }) => d.login_url)).toEqual([
      expect.stringMatching(new RegExp(`/api/v1/auth/saml/${connectionId}/login$`)),
    ]);
    // The password session from before enforcement ends at its next refresh.
    expect((await refresh(before.body.refresh_token)).body.error.code).toBe('sso_required');

    // Through the IdP: signed in with the role its groups map to, and the SAML session refreshes.
    idp.nextUser = { email: 'dana@acme.test', displayName: 'Dana', groups: ['soc-analysts'] };
    const sso = await signInThroughIdp(api, idp, connectionId);
    const me = await api.request('GET', '/api/v1/auth/me', { token: sso.access_token });
    expect(me.body).toMatchObject({ label: 'dana@acme.test', role: 'analyst', home_tenant_id: t.acme.id });
    const rotated = await refresh(sso.refresh_token);
    expect(rotated.status).toBe(200);
    expect((await api.request('GET', '/api/v1/auth/me', { token: rotated.body.access_token })).status).toBe(200);

    // API keys are unaffected; the same person still uses the password in a tenant that does not enforce SSO.
    expect((await api.request('GET', '/api/v1/users', { apiKey: key.body.key })).status).toBe(200);
    expect((await login('dana@acme.test', 'other')).status).toBe(200);

    const denied = await api.sql(
      `SELECT outcome FROM audit_events WHERE tenant_id = $1 AND action = 'auth.login' AND metadata->>'reason' = 'sso_required'`,
      [t.acme.id],
    );
    expect(denied.map((r) => r.outcome)).toEqual(['denied']);
  });

  it('keeps refusing passwords while the only connection is disabled, and tells the admin nothing is left to sign in with', async () => {
    const disabled = await api.request('PATCH', `/api/v1/sso/connections/${connectionId}`, {
      token: admin.token,
      body: { enabled: false },
    });
    expect(disabled.status).toBe(200);
    const refused = await login('dana@acme.test', 'acme');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'sso_required', details: [] });
    // Enforcement cannot be switched on anew without an enabled connection; switching it off always works.
    const off = await api.request('PATCH', '/api/v1/auth/settings', {
      token: admin.token,
      body: { sso_enforced: false },
    });
    expect(off.status).toBe(200);
    const again = await api.request('PATCH', '/api/v1/auth/settings', {
      token: admin.token,
      body: { sso_enforced: true },
    });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('sso_not_configured');
    expect((await login('dana@acme.test', 'acme')).status).toBe(200);
  });
});
