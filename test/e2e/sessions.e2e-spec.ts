// Sessions and per-membership status (issue 16, docs/sessions.md): a tenant's say on its membership (status, name),
// the sessions API, the seed's GET /updateUserSessionExpiretime/{accesstoken}/{exiprytime}/, tenant session settings
// (max lifetime, idle timeout, max concurrent sessions) and enforced SSO. Tenants sa and sb are unrelated roots;
// bob@x.test is a member of both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestApi, startTestApi } from '../support/test-api';

const PASSWORD = 'correct-horse-battery-staple';
const BOB = 'bob@x.test';

describe('sessions and memberships', () => {
  let api: TestApi;
  const t: Record<string, { id: string; code: string }> = {};
  let platformAdmin: { id: string; email: string; token: string };
  let adminA: { id: string; email: string; token: string };
  let adminB: { id: string; email: string; token: string };
  let bobId: string;

  beforeAll(async () => {
    api = await startTestApi();
    t.platform = await api.seedTenant('platform');
    platformAdmin = await api.seedUser('platform', 'platform_admin');
    t.a = await api.seedTenant('sa');
    t.b = await api.seedTenant('sb');
    adminA = await api.seedUser('sa', 'tenant_admin');
    adminB = await api.seedUser('sb', 'tenant_admin');
    const bob = await api.operator.createUser({ email: BOB, password: PASSWORD, tenantCode: 'sa', role: 'analyst' });
    await api.operator.createUser({ email: BOB, password: PASSWORD, tenantCode: 'sb', role: 'analyst' });
    bobId = bob.id;
  });
  afterAll(() => api.close());

  const login = (email: string, tenant?: string, password = PASSWORD) =>
    api.request('POST', '/api/v1/auth/login', { body: { email, password, ...(tenant ? { tenant } : {}) } });
  const me = (token: string) => api.request('GET', '/api/v1/auth/me', { token });
  const setStatus = (admin: { token: string }, id: string, status: string) =>
    api.request('PATCH', `/api/v1/users/${id}`, { token: admin.token, body: { status } });

  describe('per-membership status and name', () => {
    afterEach(async () => {
      await setStatus(adminA, bobId, 'active');
    });

    it("changes only this tenant's membership: the account and the other tenant's membership keep theirs", async () => {
      const res = await api.request('PATCH', `/api/v1/users/${bobId}`, {
        token: adminA.token,
        body: { status: 'disabled', display_name: 'Bob in A' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'disabled', display_name: 'Bob in A' });
      const [account] = await api.sql(`SELECT status, display_name FROM users WHERE id = $1`, [bobId]);
      expect(account).toEqual({ status: 'active', display_name: null });
      const inB = await api.request('GET', `/api/v1/users/${bobId}`, { token: adminB.token });
      expect(inB.body).toMatchObject({ status: 'active', display_name: null });
      const list = await api.request('GET', '/api/v1/users', { token: adminA.token });
      expect(list.body.data.find((u: { id: string }) => u.id === bobId)).toMatchObject({
        status: 'disabled',
        display_name: 'Bob in A',
      });
    });

    it('a disabled membership cannot log in, refresh or act there; the same person keeps working in the other tenant', async () => {
      const inA = (await login(BOB, 'sa')).body;
      const inB = (await login(BOB, 'sb')).body;
      expect((await me(inA.access_token)).status).toBe(200);
      expect((await setStatus(adminA, bobId, 'disabled')).status).toBe(200);

      const acting = await me(inA.access_token);
      expect(acting.status).toBe(403);
      expect(acting.body.error.code).toBe('user_disabled');
      const refresh = await api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: inA.refresh_token } });
      expect(refresh.status).toBe(403);
      expect(refresh.body.error.code).toBe('user_disabled');
      const again = await login(BOB, 'sa');
      expect(again.status).toBe(403);
      expect(again.body.error.code).toBe('user_disabled');

      expect((await me(inB.access_token)).status).toBe(200);
      expect(
        (await api.request('POST', '/api/v1/auth/refresh', { body: { refresh_token: inB.refresh_token } })).status,
      ).toBe(200);
      // No tenant named: the first membership that may act (b), not the disabled one (a, the older).
      const any = await login(BOB);
      expect(any.status).toBe(200);
      expect((await me(any.body.access_token)).body.tenant.id).toBe(t.b.id);
      const [membership] = await api.sql(
        `SELECT last_login_at FROM memberships WHERE user_id = $1 AND tenant_id = $2`,
        [bobId, t.b.id],
      );
      expect(membership.last_login_at).not.toBeNull();
    });

    it('stops the API keys created by a user whose membership is disabled', async () => {
      const admin2 = await api.seedUser('sa', 'tenant_admin', 'admin2.sa@example.test');
      const created = await api.request('POST', '/api/v1/api-keys', {
        token: admin2.token,
        body: { name: 'k', scopes: ['users:read'] },
      });
      expect(created.status).toBe(201);
      expect((await api.request('GET', '/api/v1/users', { apiKey: created.body.key })).status).toBe(200);
      expect((await setStatus(adminA, admin2.id, 'disabled')).status).toBe(200);
      const refused = await api.request('GET', '/api/v1/users', { apiKey: created.body.key });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('api_key_creator_inactive');
      expect((await setStatus(adminA, admin2.id, 'active')).status).toBe(200);
      expect((await api.request('GET', '/api/v1/users', { apiKey: created.body.key })).status).toBe(200);
    });

    it("counts the membership's status in the last-admin check", async () => {
      // sc has two admins; with one's membership disabled, the other is the last active one.
      await api.seedTenant('sc');
      const c1 = await api.seedUser('sc', 'tenant_admin', 'c1@example.test');
      const c2 = await api.seedUser('sc', 'tenant_admin', 'c2@example.test');
      expect((await setStatus(c1, c2.id, 'disabled')).status).toBe(200);
      const demote = await api.request('PATCH', `/api/v1/users/${c1.id}`, {
        token: platformAdmin.token,
        tenant: 'sc',
        body: { role: 'analyst' },
      });
      expect(demote.status).toBe(409);
      expect(demote.body.error.code).toBe('last_admin');
    });
  });

  describe('sessions API', () => {
    it('lists your live sessions with the current one marked, and revoking one kills its access tokens at once', async () => {
      const email = 'carol@x.test';
      await api.operator.createUser({ email, password: PASSWORD, tenantCode: 'sa', role: 'viewer' });
      const first = (
        await api.request('POST', '/api/v1/auth/login', {
          body: { email, password: PASSWORD },
          headers: { 'user-agent': 'first-browser' },
        })
      ).body;
      const second = (await login(email)).body;
      const list = await api.request('GET', '/api/v1/auth/sessions', { token: second.access_token });
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(2);
      const [newest, oldest] = list.body.data;
      expect(Object.keys(newest).sort()).toEqual(
        [
          'connection_id',
          'created_at',
          'current',
          'expires_at',
          'id',
          'ip',
          'last_used_at',
          'method',
          'user_agent',
        ].sort(),
      );
      expect(newest).toMatchObject({ current: true, method: 'password', connection_id: null, ip: '127.0.0.1' });
      expect(oldest).toMatchObject({ current: false, user_agent: 'first-browser' });

      // Someone else's session is not yours to end.
      const foreign = await api.request('DELETE', `/api/v1/auth/sessions/${oldest.id}`, { token: adminA.token });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('session_not_found');

      expect((await me(first.access_token)).status).toBe(200);
      const del = await api.request('DELETE', `/api/v1/auth/sessions/${oldest.id}`, { token: second.access_token });
      expect(del.status).toBe(204);
      expect((await me(first.access_token)).status).toBe(401);
      const refresh = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: first.refresh_token },
      });
      expect(refresh.status).toBe(401);
      expect((await me(second.access_token)).status).toBe(200);
      const after = await api.request('GET', '/api/v1/auth/sessions', { token: second.access_token });
      expect(after.body.data.map((s: { id: string }) => s.id)).toEqual([newest.id]);
      const [audit] = await api.sql(
        `SELECT actor_id, target_id FROM audit_events WHERE action = 'auth.session.revoke'`,
      );
      expect(audit).toMatchObject({ target_id: oldest.id });
    });

    it("lets a tenant admin revoke all of a user's sessions in that tenant only, audited", async () => {
      const inA = (await login(BOB, 'sa')).body;
      const inA2 = (await login(BOB, 'sa')).body;
      const inB = (await login(BOB, 'sb')).body;
      const res = await api.request('DELETE', `/api/v1/users/${bobId}/sessions`, { token: adminA.token });
      expect(res.status).toBe(200);
      expect(res.body.revoked).toBeGreaterThanOrEqual(2);
      expect((await me(inA.access_token)).status).toBe(401);
      expect((await me(inA2.access_token)).status).toBe(401);
      expect((await me(inB.access_token)).status).toBe(200);
      // Not a member of b's admin's tenant... b's admin cannot reach a's members; an analyst may not do it at all.
      const analyst = await api.request('DELETE', `/api/v1/users/${adminA.id}/sessions`, { token: inB.access_token });
      expect(analyst.status).toBe(403);
      const other = await api.request('DELETE', `/api/v1/users/${adminA.id}/sessions`, { token: adminB.token });
      expect(other.status).toBe(404);
      const audit = await api.sql(
        `SELECT outcome, target_id, tenant_id FROM audit_events WHERE action = 'user.sessions.revoke' ORDER BY created_at`,
      );
      expect(audit[0]).toMatchObject({ outcome: 'success', target_id: bobId, tenant_id: t.a.id });
    });

    it("sets a session's expiry: own or its tenant admin's, never in the past or beyond the maximum", async () => {
      const own = (await login(BOB, 'sb')).body;
      const sessions = await api.request('GET', '/api/v1/auth/sessions', { token: own.access_token });
      const current = sessions.body.data.find((s: { current: boolean }) => s.current);
      const soon = new Date(Date.now() + 3600_000).toISOString();
      const mine = await api.request('PATCH', `/api/v1/auth/sessions/${current.id}`, {
        token: own.access_token,
        body: { expires_at: soon },
      });
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ id: current.id, expires_at: soon, current: true });
      const [row] = await api.sql(`SELECT expires_at FROM auth_sessions WHERE id = $1`, [current.id]);
      expect(row.expires_at.toISOString()).toBe(soon);

      const past = await api.request('PATCH', `/api/v1/auth/sessions/${current.id}`, {
        token: own.access_token,
        body: { expires_at: new Date(Date.now() - 1000).toISOString() },
      });
      expect(past.status).toBe(400);
      expect(past.body.error.code).toBe('session_expiry_in_past');
      // No tenant maximum: JWT_REFRESH_TTL_SECONDS (30 days by default) from the session's creation.
      const late = await api.request('PATCH', `/api/v1/auth/sessions/${current.id}`, {
        token: own.access_token,
        body: { expires_at: new Date(Date.now() + 40 * 86400_000).toISOString() },
      });
      expect(late.status).toBe(400);
      expect(late.body.error.code).toBe('session_expiry_too_late');

      // b's admin may; a's admin (another tenant) may not even see it.
      const later = new Date(Date.now() + 7200_000).toISOString();
      expect(
        (
          await api.request('PATCH', `/api/v1/auth/sessions/${current.id}`, {
            token: adminB.token,
            body: { expires_at: later },
          })
        ).status,
      ).toBe(200);
      const foreign = await api.request('PATCH', `/api/v1/auth/sessions/${current.id}`, {
        token: adminA.token,
        body: { expires_at: later },
      });
      expect(foreign.status).toBe(404);
      const audit = await api.sql(
        `SELECT actor_id, metadata FROM audit_events WHERE action = 'auth.session.expiry_set' AND target_id = $1 ORDER BY created_at`,
        [current.id],
      );
      expect(audit.map((a) => a.actor_id)).toEqual([bobId, adminB.id]);

      // Shortened into the past by SQL: the access token dies with it.
      await api.sql(`UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [current.id]);
      expect((await me(own.access_token)).status).toBe(401);
    });
  });

  describe('GET /updateUserSessionExpiretime/{accesstoken}/{exiprytime}/', () => {
    const path = (token: string, expiry: string) => `/updateUserSessionExpiretime/${token}/${expiry}/`;

    it('sets the expiry of the token’s session, authenticated by the token itself, seconds from now or an ISO date', async () => {
      const own = (await login(BOB, 'sb')).body;
      const before = Date.now();
      const res = await api.request('GET', path(own.access_token, '600'));
      expect(res.status).toBe(200);
      const at = Date.parse(res.body.expires_at);
      expect(at).toBeGreaterThanOrEqual(before + 600_000 - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + 600_000 + 1000);
      const iso = new Date(Date.now() + 1800_000).toISOString();
      const byDate = await api.request('GET', path(own.access_token, encodeURIComponent(iso)));
      expect(byDate.status).toBe(200);
      expect(byDate.body.expires_at).toBe(iso);

      for (const [expiry, code] of [
        ['soon', 'session_expiry_invalid'],
        ['0', 'session_expiry_invalid'],
        [encodeURIComponent('2001-01-01T00:00:00Z'), 'session_expiry_in_past'],
        [String(40 * 86400), 'session_expiry_too_late'],
      ]) {
        const bad = await api.request('GET', path(own.access_token, expiry));
        expect(bad.status, expiry).toBe(400);
        expect(bad.body.error.code).toBe(code);
      }
      // The audit names the session, never the token.
      const rows = await api.sql(
        `SELECT target_id, metadata::text AS metadata, changes::text AS changes FROM audit_events
          WHERE action = 'auth.session.expiry_set' AND metadata->>'via' = 'update_user_session_expiretime'`,
      );
      expect(rows.length).toBe(2);
      const everything = JSON.stringify(await api.sql(`SELECT * FROM audit_events`));
      expect(everything.includes(own.access_token)).toBe(false);
      expect(everything.includes(own.access_token.split('.')[2])).toBe(false);
    });

    it("refuses another user's bearer, lets the tenant's admin, refuses a token that is not ours", async () => {
      const own = (await login(BOB, 'sb')).body;
      const other = await api.request('GET', path(own.access_token, '600'), {
        token: (await login(adminA.email)).body.access_token,
      });
      expect(other.status).toBe(404);
      expect(other.body.error.code).toBe('session_not_found');
      const admin = await api.request('GET', path(own.access_token, '900'), { token: adminB.token });
      expect(admin.status).toBe(200);
      const forged = await api.request('GET', path(`${own.access_token.slice(0, -4)}AAAA`, '600'));
      expect(forged.status).toBe(401);
      // A revoked session's token authenticates nothing.
      await api.request('POST', '/api/v1/auth/logout', { token: own.access_token });
      const dead = await api.request('GET', path(own.access_token, '600'));
      expect(dead.status).toBe(401);
    });
  });

  describe('tenant session settings', () => {
    afterEach(async () => {
      await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminB.token,
        body: { session_max_lifetime: null, session_idle_timeout: null, max_concurrent_sessions: null },
      });
    });

    it('answers the defaults, is for tenant admins, validates, and null clears', async () => {
      const get = await api.request('GET', '/api/v1/auth/settings', { token: adminB.token });
      expect(get.status).toBe(200);
      expect(get.body).toMatchObject({
        session_max_lifetime: null,
        session_idle_timeout: null,
        max_concurrent_sessions: null,
        sso_enforced: false,
      });
      const bob = (await login(BOB, 'sb')).body;
      expect((await api.request('GET', '/api/v1/auth/settings', { token: bob.access_token })).status).toBe(403);
      const bad = await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminB.token,
        body: { session_idle_timeout: 5 },
      });
      expect(bad.status).toBe(400);
      const set = await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminB.token,
        body: { session_max_lifetime: 7200, max_concurrent_sessions: 3 },
      });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({
        session_max_lifetime: 7200,
        max_concurrent_sessions: 3,
        session_idle_timeout: null,
      });
      const cleared = await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminB.token,
        body: { max_concurrent_sessions: null },
      });
      expect(cleared.body).toMatchObject({ session_max_lifetime: 7200, max_concurrent_sessions: null });
      // Another tenant's settings are its own.
      expect(
        (await api.request('GET', '/api/v1/auth/settings', { token: adminA.token })).body.session_max_lifetime,
      ).toBe(null);
    });

    it('caps new sessions at the maximum lifetime, and applies it to sessions already open', async () => {
      const open = (await login(BOB, 'sb')).body;
      await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminB.token,
        body: { session_max_lifetime: 3600 },
      });
      const fresh = (await login(BOB, 'sb')).body;
      const list = await api.request('GET', '/api/v1/auth/sessions', { token: fresh.access_token });
      const current = list.body.data.find((s: { current: boolean }) => s.current);
      expect(Date.parse(current.expires_at) - Date.parse(current.created_at)).toBe(3600_000);
      const tooLate = await api.request('PATCH', `/api/v1/auth/sessions/${current.id}`, {
        token: fresh.access_token,
        body: { expires_at: new Date(Date.parse(current.created_at) + 3601_000).toISOString() },
      });
      expect(tooLate.body.error.code).toBe('session_expiry_too_late');
      // The older session was opened two hours ago (moved back by SQL): over the maximum now.
      await api.sql(
        `UPDATE auth_sessions SET created_at = now() - interval '2 hours' WHERE id = (
           SELECT id FROM auth_sessions WHERE current_token_hash = encode(sha256($1::bytea), 'hex'))`,
        [open.refresh_token],
      );
      expect((await me(open.access_token)).status).toBe(401);
      const refresh = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: open.refresh_token },
      });
      expect(refresh.status).toBe(401);
      expect(refresh.body.error.code).toBe('refresh_token_invalid');
      expect((await me(fresh.access_token)).status).toBe(200);
    });

    it('ends an idle session: its access tokens fail, its refresh answers session_idle_expired', async () => {
      await api.request('PATCH', '/api/v1/auth/settings', { token: adminB.token, body: { session_idle_timeout: 600 } });
      const idle = (await login(BOB, 'sb')).body;
      const busy = (await login(BOB, 'sb')).body;
      expect((await me(idle.access_token)).status).toBe(200);
      await api.sql(
        `UPDATE auth_sessions SET last_used_at = now() - interval '11 minutes' WHERE current_token_hash = encode(sha256($1::bytea), 'hex')`,
        [idle.refresh_token],
      );
      await api.sql(
        `UPDATE auth_sessions SET last_used_at = now() - interval '9 minutes' WHERE current_token_hash = encode(sha256($1::bytea), 'hex')`,
        [busy.refresh_token],
      );
      expect((await me(idle.access_token)).status).toBe(401);
      const refresh = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: idle.refresh_token },
      });
      expect(refresh.status).toBe(401);
      expect(refresh.body.error.code).toBe('session_idle_expired');
      // In use within the timeout: alive, and the use moves its clock (the check touches a stale last_used_at).
      expect((await me(busy.access_token)).status).toBe(200);
      const [row] = await api.sql(
        `SELECT extract(epoch FROM now() - last_used_at) AS age FROM auth_sessions WHERE current_token_hash = encode(sha256($1::bytea), 'hex')`,
        [busy.refresh_token],
      );
      expect(Number(row.age)).toBeLessThan(60);
    });

    it('revokes the oldest live sessions beyond max_concurrent_sessions when a new one starts', async () => {
      await api.request('DELETE', `/api/v1/users/${bobId}/sessions`, { token: adminB.token });
      await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminB.token,
        body: { max_concurrent_sessions: 2 },
      });
      const s1 = (await login(BOB, 'sb')).body;
      const s2 = (await login(BOB, 'sb')).body;
      expect((await me(s1.access_token)).status).toBe(200);
      const s3 = (await login(BOB, 'sb')).body;
      expect((await me(s1.access_token)).status).toBe(401);
      expect((await me(s2.access_token)).status).toBe(200);
      expect((await me(s3.access_token)).status).toBe(200);
      const list = await api.request('GET', '/api/v1/auth/sessions', { token: s3.access_token });
      expect(list.body.data).toHaveLength(2);
      const reasons = await api.sql(
        `SELECT revoked_reason FROM auth_sessions WHERE tenant_id = $1 AND user_id = $2 AND revoked_reason = 'max_concurrent_sessions'`,
        [t.b.id, bobId],
      );
      expect(reasons).toHaveLength(1);
      // Bob's sessions in tenant a are not counted against b's limit.
      const inA = (await login(BOB, 'sa')).body;
      expect((await me(inA.access_token)).status).toBe(200);
      expect((await me(s2.access_token)).status).toBe(200);
    });
  });

  describe('enforced SSO', () => {
    afterAll(async () => {
      await api.sql(`UPDATE tenant_auth_settings SET sso_enforced = false`);
    });

    it('refuses to enforce SSO in a tenant with no enabled SSO connection (400 sso_not_configured)', async () => {
      const res = await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminA.token,
        body: { sso_enforced: true },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('sso_not_configured');
      const [row] = await api.sql(`SELECT sso_enforced FROM tenant_auth_settings WHERE tenant_id = $1`, [t.a.id]);
      expect(row?.sso_enforced ?? false).toBe(false);
    });

    // A real connection in tenant sa (the SSO lib registers its directory of login links on SsoLinks): enforcement is
    // switched on through the settings route, and the refusal lists that connection's login URL.
    it('answers password login and password-session refresh with 403 sso_required and the login links; API keys and other tenants are unaffected', async () => {
      const bobSession = (await login(BOB, 'sa')).body;
      const key = await api.request('POST', '/api/v1/api-keys', {
        token: adminA.token,
        body: { name: 'sso-key', scopes: ['users:read'] },
      });
      expect(key.status).toBe(201);
      const connection = await api.request('POST', '/api/v1/sso/connections', {
        token: adminA.token,
        body: {
          name: 'Corporate IdP',
          idp_entity_id: 'https://idp.sessions.test',
          idp_sso_url: 'https://idp.sessions.test/sso',
          idp_certificates: [readFileSync(join(__dirname, '../support/fixtures/test-idp.cert.pem'), 'utf8')],
          default_role: 'viewer',
        },
      });
      expect(connection.status).toBe(201);
      const on = await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminA.token,
        body: { sso_enforced: true },
      });
      expect(on.status).toBe(200);
      expect(on.body.sso_enforced).toBe(true);
      const refused = await login(BOB, 'sa');
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('sso_required');
      expect(refused.body.error.details).toEqual([
        expect.objectContaining({
          connection_id: connection.body.id,
          name: 'Corporate IdP',
          login_url: expect.stringMatching(new RegExp(`/api/v1/auth/saml/${connection.body.id}/login$`)),
        }),
      ]);
      // The link starts a SAML sign-in: a redirect to the connection's identity provider.
      const start = await fetch(new URL(refused.body.error.details[0].login_url, api.baseUrl), { redirect: 'manual' });
      expect(start.status).toBe(302);
      expect(start.headers.get('location')).toMatch(/^https:\/\/idp\.sessions\.test\/sso\?SAMLRequest=/);
      // A wrong password says nothing about SSO.
      expect((await login(BOB, 'sa', 'not-the-password-at-all')).body.error.code).toBe('invalid_credentials');
      // Password sessions end at their next refresh; access tokens already issued run out on their own.
      const refresh = await api.request('POST', '/api/v1/auth/refresh', {
        body: { refresh_token: bobSession.refresh_token },
      });
      expect(refresh.status).toBe(403);
      expect(refresh.body.error.code).toBe('sso_required');
      expect((await api.request('GET', '/api/v1/users', { apiKey: key.body.key })).status).toBe(200);
      // Tenant b does not enforce it: the same person signs in there with the password.
      expect((await login(BOB, 'sb')).status).toBe(200);
      const [audit] = await api.sql(
        `SELECT outcome FROM audit_events WHERE action = 'auth.login' AND metadata->>'reason' = 'sso_required'`,
      );
      expect(audit.outcome).toBe('denied');
      // Turning it off needs no connection.
      const off = await api.request('PATCH', '/api/v1/auth/settings', {
        token: adminA.token,
        body: { sso_enforced: false },
      });
      expect(off.status).toBe(200);
      expect((await login(BOB, 'sa')).status).toBe(200);
    });

    it('lets a platform admin in through an audited break-glass password login', async () => {
      await api.sql(
        `INSERT INTO tenant_auth_settings (tenant_id, sso_enforced) VALUES ($1, true)
          ON CONFLICT (tenant_id) DO UPDATE SET sso_enforced = true`,
        [t.platform.id],
      );
      const res = await login(platformAdmin.email);
      expect(res.status).toBe(200);
      const [audit] = await api.sql(
        `SELECT outcome, actor_id, tenant_id FROM audit_events WHERE action = 'auth.login.break_glass'`,
      );
      expect(audit).toMatchObject({ outcome: 'success', actor_id: platformAdmin.id, tenant_id: t.platform.id });
    });
  });
});
