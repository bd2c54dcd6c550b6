import jwt from 'jsonwebtoken';
import { TestApi, startTestApi } from '../support/test-api';

const JWT_SECRET = 'test-signing-secret-that-is-long-enough-0123';
const PASSWORD = 'correct-horse-battery-staple';

describe('authentication', () => {
  let api: TestApi;
  let admin: { id: string; email: string; token: string; refresh: string };
  let tenantId: string;

  beforeAll(async () => {
    api = await startTestApi({ JWT_SECRET });
    tenantId = (await api.seedTenant('acme')).id;
    admin = await api.seedUser('acme', 'tenant_admin', 'admin@acme.test');
  });
  afterAll(() => api.close());

  describe('login', () => {
    it('returns an access and a refresh token with the documented claims', async () => {
      const res = await api.request('POST', '/api/v1/auth/login', {
        body: { email: 'ADMIN@acme.test', password: PASSWORD },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
      const claims = jwt.verify(res.body.access_token, JWT_SECRET) as jwt.JwtPayload;
      expect(claims).toMatchObject({ sub: admin.id, tid: tenantId, roles: ['tenant_admin'] });
      expect(claims.jti).toEqual(expect.any(String));
      expect(claims.exp! - claims.iat!).toBe(900);
      expect(res.body.refresh_token).toMatch(/^crt_/);
    });

    it('refuses a wrong password and an unknown email alike, and audits the failure', async () => {
      const wrong = await api.request('POST', '/api/v1/auth/login', {
        body: { email: admin.email, password: 'nope-nope-nope' },
      });
      const unknown = await api.request('POST', '/api/v1/auth/login', {
        body: { email: 'ghost@acme.test', password: PASSWORD },
      });
      for (const res of [wrong, unknown]) {
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('invalid_credentials');
      }
      const audit = await api.request('GET', '/api/v1/audit-events?action=auth.login&outcome=failure', {
        token: admin.token,
      });
      expect(audit.status).toBe(200);
      expect(audit.body.data.some((e: { actor_label: string }) => e.actor_label === admin.email)).toBe(true);
      expect(JSON.stringify(audit.body)).not.toContain('nope-nope-nope');
    });

    it('stores passwords hashed with scrypt', async () => {
      const [row] = await api.sql('SELECT password_hash FROM users WHERE id = $1', [admin.id]);
      expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(row.password_hash).not.toContain(PASSWORD);
    });
  });

  describe('access tokens', () => {
    it('accepts a valid token on /auth/me', async () => {
      const me = await api.request('GET', '/api/v1/auth/me', { token: admin.token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({
        kind: 'user',
        id: admin.id,
        role: 'tenant_admin',
        tenant: { id: tenantId, code: 'acme' },
      });
      expect(me.body.memberships).toEqual([{ tenant_id: tenantId, tenant_code: 'acme', role: 'tenant_admin' }]);
    });

    it('refuses missing, malformed, forged and expired tokens with distinct codes', async () => {
      expect((await api.request('GET', '/api/v1/auth/me')).body.error.code).toBe('unauthenticated');
      expect(
        (await api.request('GET', '/api/v1/auth/me', { headers: { authorization: 'Basic abc' } })).body.error.code,
      ).toBe('unauthenticated');
      const forged = jwt.sign(
        { tid: tenantId, roles: ['tenant_admin'], typ: 'access' },
        'another-secret-another-secret-12345',
        {
          subject: admin.id,
          jwtid: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f',
          expiresIn: 600,
          issuer: 'conduit',
          audience: 'conduit-api',
        },
      );
      const forgedRes = await api.request('GET', '/api/v1/auth/me', { token: forged });
      expect(forgedRes.status).toBe(401);
      expect(forgedRes.body.error.code).toBe('token_invalid');
      const expired = jwt.sign(
        { tid: tenantId, roles: ['tenant_admin'], typ: 'access', exp: Math.floor(Date.now() / 1000) - 60 },
        JWT_SECRET,
        {
          subject: admin.id,
          jwtid: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e40',
          issuer: 'conduit',
          audience: 'conduit-api',
        },
      );
      const expiredRes = await api.request('GET', '/api/v1/auth/me', { token: expired });
      expect(expiredRes.status).toBe(401);
      expect(expiredRes.body.error.code).toBe('token_expired');
    });

    it('refuses a token after logout (revoked jti and session), and audits the logout', async () => {
      const session = await api.login(admin.email, PASSWORD);
      expect((await api.request('GET', '/api/v1/auth/me', { token: session.access_token })).status).toBe(200);
      const out = await api.request('POST', '/api/v1/auth/logout', { token: session.access_token });
      expect(out.status).toBe(204);
      const after = await api.request('GET', '/api/v1/auth/me', { token: session.access_token });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('token_revoked');
      const refresh = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: session.refresh_token },
      });
      expect(refresh.status).toBe(401);
      const audit = await api.request('GET', '/api/v1/audit-events?action=auth.logout', { token: admin.token });
      expect(audit.body.data.length).toBeGreaterThanOrEqual(1);
    });

    it('refuses the token of a user who was removed from the tenant', async () => {
      const victim = await api.seedUser('acme', 'analyst', 'leaver@acme.test');
      expect((await api.request('DELETE', `/api/v1/users/${victim.id}`, { token: admin.token })).status).toBe(204);
      const res = await api.request('GET', '/api/v1/auth/me', { token: victim.token });
      expect(res.status).toBe(401);
    });

    it('refuses a disabled user at login and with an existing token', async () => {
      const user = await api.seedUser('acme', 'viewer', 'disabled@acme.test');
      expect(
        (await api.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.token, body: { status: 'disabled' } }))
          .status,
      ).toBe(200);
      const me = await api.request('GET', '/api/v1/auth/me', { token: user.token });
      expect(me.status).toBe(403);
      expect(me.body.error.code).toBe('user_disabled');
      const login = await api.request('POST', '/api/v1/auth/login', {
        body: { email: user.email, password: PASSWORD },
      });
      expect(login.status).toBe(403);
      expect(login.body.error.code).toBe('user_disabled');
    });
  });

  describe('refresh tokens', () => {
    it('rotates: the new pair works and the old refresh token is single-use', async () => {
      const first = await api.login(admin.email, PASSWORD);
      const second = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: first.refresh_token },
      });
      expect(second.status).toBe(200);
      expect(second.body.refresh_token).not.toBe(first.refresh_token);
      expect((await api.request('GET', '/api/v1/auth/me', { token: second.body.access_token })).status).toBe(200);
      const third = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: second.body.refresh_token },
      });
      expect(third.status).toBe(200);
    });

    it('revokes the whole family when a used refresh token is presented again', async () => {
      const first = await api.login(admin.email, PASSWORD);
      const second = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: first.refresh_token },
      });
      expect(second.status).toBe(200);
      const reuse = await api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: first.refresh_token } });
      expect(reuse.status).toBe(401);
      expect(reuse.body.error.code).toBe('refresh_token_reused');
      // The legitimate holder's newer refresh token and access token die with the family.
      const newer = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: second.body.refresh_token },
      });
      expect(newer.status).toBe(401);
      const access = await api.request('GET', '/api/v1/auth/me', { token: second.body.access_token });
      expect(access.status).toBe(401);
      expect(access.body.error.code).toBe('token_revoked');
    });

    it('refuses tampered and garbage refresh tokens', async () => {
      const first = await api.login(admin.email, PASSWORD);
      const tampered = `${first.refresh_token.slice(0, -2)}xx`;
      for (const token of [tampered, 'crt_not.a.token', 'x'.repeat(40)]) {
        const res = await api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: token } });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('refresh_token_invalid');
      }
    });
  });

  describe('tenant status', () => {
    it('blocks users of suspended and inactive tenants with tenant_suspended / tenant_inactive', async () => {
      await api.seedTenant('frozen');
      const user = await api.seedUser('frozen', 'tenant_admin', 'boss@frozen.test');
      const platform = await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
      expect(platform.created).toBe(true);
      const root = await api.login('root@platform.test', PASSWORD);
      const frozen = (await api.request('GET', '/api/v1/tenants/frozen', { token: root.access_token })).body;
      expect(
        (
          await api.request('PATCH', `/api/v1/tenants/${frozen.id}`, {
            token: root.access_token,
            body: { status: 'suspended' },
          })
        ).status,
      ).toBe(200);
      const suspended = await api.request('GET', '/api/v1/auth/me', { token: user.token });
      expect(suspended.status).toBe(403);
      expect(suspended.body.error.code).toBe('tenant_suspended');
      const login = await api.request('POST', '/api/v1/auth/login', {
        body: { email: user.email, password: PASSWORD },
      });
      expect(login.body.error.code).toBe('tenant_suspended');
      await api.request('PATCH', `/api/v1/tenants/${frozen.id}`, {
        token: root.access_token,
        body: { status: 'inactive' },
      });
      const inactive = await api.request('GET', '/api/v1/auth/me', { token: user.token });
      expect(inactive.status).toBe(403);
      expect(inactive.body.error.code).toBe('tenant_inactive');
    });
  });
});
