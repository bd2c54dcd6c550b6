// SAML sign-in end to end against the test IdP (samlp on 127.0.0.1): SP- and IdP-initiated, JIT, role sync, replay,
// unknown InResponseTo, the one-time code, and single logout both ways.
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { TestApi, startTestApi } from '../support/test-api';
import { ATTACKER_KEY_PAIR, SamlAnswer, TestIdp, startTestIdp } from '../support/saml-idp';
import {
  codeFrom,
  connectionFromIdp,
  createConnection,
  exchangeCode,
  postToAcs,
  samlLoginRedirect,
  signInThroughIdp,
} from '../support/saml-flow';

describe('SAML sign-in', () => {
  let api: TestApi;
  let idp: TestIdp;
  let tenantId: string;
  let admin: { id: string; token: string };

  beforeAll(async () => {
    api = await startTestApi();
    idp = await startTestIdp();
    tenantId = (await api.seedTenant('acme')).id;
    admin = await api.seedUser('acme', 'tenant_admin');
  });
  afterAll(async () => {
    await idp?.close();
    await api?.close();
  });

  const me = (token: string) => api.request('GET', '/api/v1/auth/me', { token });
  const connection = (extra: Record<string, unknown> = {}) =>
    createConnection(api, admin.token, connectionFromIdp(idp, { name: `IdP ${Math.random()}`, ...extra }));
  const failures = (reason: string) =>
    api.sql(
      `SELECT * FROM audit_events WHERE tenant_id = $1 AND action = 'auth.login' AND outcome = 'failure'
        AND metadata->>'reason' = $2`,
      [tenantId, reason],
    );

  it('signs in SP-initiated: login → IdP → ACS → code → exchange → /me with the mapped role (JIT)', async () => {
    const id = await connection({ role_mapping: { 'soc-analysts': 'analyst' } });
    idp.nextUser = { email: 'Ana@Acme.test', displayName: 'Ana', groups: ['soc-analysts', 'other'] };
    const location = await samlLoginRedirect(api, id, '/after-sso?x=1');
    const url = new URL(location);
    expect(`${url.origin}${url.pathname}`).toBe(idp.ssoUrl);
    const answer = await idp.answer(location);
    // RelayState is an opaque id: the return address is kept server-side.
    expect(answer.RelayState).not.toContain('after-sso');
    const acs = await postToAcs(answer);
    expect(acs.status).toBe(302);
    const back = new URL(acs.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(`${api.baseUrl}/after-sso`);
    expect(back.searchParams.get('x')).toBe('1');
    const code = codeFrom(acs.location);
    expect(acs.location).not.toMatch(/eyJ/); // no token in the URL
    const tokens = await exchangeCode(api, code);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    const who = await me(tokens.body.access_token);
    expect(who.body).toMatchObject({ label: 'ana@acme.test', role: 'analyst', home_tenant_id: tenantId });
    const [session] = await api.sql(`SELECT method, connection_id FROM auth_sessions WHERE user_id = $1`, [
      who.body.id,
    ]);
    expect(session).toEqual({ method: 'saml', connection_id: id });
    const [membership] = await api.sql(
      `SELECT source, display_name, last_login_at FROM memberships WHERE user_id = $1`,
      [who.body.id],
    );
    expect(membership).toMatchObject({ source: 'jit', display_name: 'Ana' });
    expect(membership.last_login_at).not.toBeNull();
    const [audit] = await api.sql(
      `SELECT * FROM audit_events WHERE tenant_id = $1 AND action = 'auth.login' AND outcome = 'success' AND actor_id = $2`,
      [tenantId, who.body.id],
    );
    expect(audit.metadata).toEqual({ method: 'saml', connection_id: id });
    // Stored hashed; the sealed tokens are erased once the code is used.
    const [stored] = await api.sql(
      `SELECT code_hash, tokens_sealed, used_at FROM sso_login_codes WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(stored.code_hash).toBe(createHash('sha256').update(code).digest('hex'));
    expect(stored.tokens_sealed).toBe('');
    expect(stored.used_at).not.toBeNull();
    // The code works once.
    const again = await exchangeCode(api, code);
    expect(again.status).toBe(401);
    expect((again.body as unknown as { error: { code: string } }).error.code).toBe('saml_code_invalid');
  });

  it('refuses a replayed assertion and a response to an unknown or used request', async () => {
    const id = await connection();
    idp.nextUser = { email: 'replay@acme.test' };
    const answer = await idp.answer(await samlLoginRedirect(api, id));
    expect((await postToAcs(answer)).status).toBe(302);
    const replay = await postToAcs(answer);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('saml_replayed'); // its request was answered already
    const unknown = await idp.answer(await samlLoginRedirect(api, id), { inResponseTo: '_not-a-request-of-ours' });
    const refused = await postToAcs(unknown);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('saml_unknown_request');
    expect((await failures('saml_unknown_request')).length).toBe(1);
    expect((await failures('saml_replayed')).length).toBe(1);
  });

  it('accepts one of two concurrent posts of the same response', async () => {
    const id = await connection();
    idp.nextUser = { email: 'race@acme.test' };
    const answer = await idp.answer(await samlLoginRedirect(api, id));
    const results = await Promise.all([postToAcs(answer), postToAcs(answer), postToAcs(answer)]);
    expect(results.map((r) => r.status).sort()).toEqual([302, 401, 401]);
    // And one code, exchanged twice at once: one answer has tokens.
    const code = codeFrom(results.find((r) => r.status === 302)?.location ?? null);
    const exchanges = await Promise.all([exchangeCode(api, code), exchangeCode(api, code)]);
    expect(exchanges.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('answers malformed posts to the ACS with a 401 code, never a 500', async () => {
    const id = await connection();
    const acs = `${api.baseUrl}/api/v1/auth/saml/${id}/acs`;
    const post = (body: string, type: string) =>
      fetch(acs, { method: 'POST', redirect: 'manual', headers: { 'content-type': type }, body });
    for (const [body, type] of [
      ['', 'application/x-www-form-urlencoded'],
      ['SAMLResponse=', 'application/x-www-form-urlencoded'],
      ['SAMLResponse=%21%21%21not-base64', 'application/x-www-form-urlencoded'],
      [
        `SAMLResponse=${encodeURIComponent(Buffer.from('<Response/>').toString('base64'))}`,
        'application/x-www-form-urlencoded',
      ],
      [
        `SAMLResponse=${encodeURIComponent(Buffer.from('<a><b></a>').toString('base64'))}`,
        'application/x-www-form-urlencoded',
      ],
      [JSON.stringify({ SAMLResponse: 'PHg+' }), 'application/json'],
      ['SAMLResponse=PHg+', 'text/plain'],
    ]) {
      const res = await post(body, type);
      expect(res.status, `${type} ${body.slice(0, 40)}`).toBe(401);
      // A well-formed but empty Response answers no request of ours (this connection wants SP-initiated sign-in).
      expect(['saml_response_invalid', 'saml_unknown_request']).toContain(
        ((await res.json()) as { error: { code: string } }).error.code,
      );
    }
    // A browser's form post is shown a page with the code instead of the JSON body.
    const page = await fetch(acs, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      },
      body: 'SAMLResponse=%21',
    });
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('saml_response_invalid');
    const unknownConnection = await fetch(`${api.baseUrl}/api/v1/auth/saml/0190c0de-0000-7000-8000-000000000009/acs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'SAMLResponse=PHg%2B',
    });
    expect(unknownConnection.status).toBe(404);
    const badCode = await api.request('POST', '/api/v1/auth/saml/exchange', { body: { code: 'x'.repeat(43) } });
    expect(badCode.status).toBe(401);
    expect(badCode.body.error.code).toBe('saml_code_invalid');
    const slo = await fetch(`${api.baseUrl}/api/v1/auth/saml/${id}/slo?SAMLRequest=garbage&Signature=x&SigAlg=y`, {
      redirect: 'manual',
    });
    expect(slo.status).toBeGreaterThanOrEqual(400);
    expect(slo.status).toBeLessThan(500);
  });

  it('accepts IdP-initiated responses only where allowed, and each assertion once', async () => {
    const closed = await connection();
    const open = await connection({ allow_idp_initiated: true });
    const base = `${api.baseUrl}/api/v1/auth/saml`;
    const unsolicited = (id: string): Promise<SamlAnswer> =>
      idp.idpInitiated({
        acsUrl: `${base}/${id}/acs`,
        audience: `${base}/${id}/metadata`,
        user: { email: 'idp@acme.test' },
      });
    const refused = await postToAcs(await unsolicited(closed));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('saml_unknown_request');
    const answer = await unsolicited(open);
    const accepted = await postToAcs(answer);
    expect(accepted.status).toBe(302);
    // No return address asked for: the default page that signs into Swagger UI.
    expect(accepted.location?.startsWith(`${base}/complete?code=`)).toBe(true);
    const replaysBefore = (await failures('saml_replayed')).length;
    const replay = await postToAcs(answer);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('saml_replayed');
    expect((await failures('saml_replayed')).length).toBe(replaysBefore + 1);
    // An IdP's RelayState may only name an allowed return address.
    const evil = await postToAcs(
      await idp.idpInitiated({
        acsUrl: `${base}/${open}/acs`,
        audience: `${base}/${open}/metadata`,
        user: { email: 'idp@acme.test' },
        relayState: 'https://evil.example.net/steal',
      }),
    );
    expect(evil.status).toBe(302);
    expect(new URL(evil.location as string).origin).toBe(api.baseUrl);
  });

  it('without JIT refuses people who are not members; with JIT off, members still sign in', async () => {
    const id = await connection({ jit_provisioning: false });
    idp.nextUser = { email: 'stranger@acme.test' };
    const refused = await postToAcs(await idp.answer(await samlLoginRedirect(api, id)));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('saml_user_not_provisioned');
    expect(await api.sql(`SELECT 1 FROM users WHERE email = 'stranger@acme.test'`)).toHaveLength(0);
    expect((await failures('saml_user_not_provisioned')).length).toBe(1);
    const member = await api.seedUser('acme', 'viewer', 'member@acme.test');
    idp.nextUser = { email: 'member@acme.test' };
    const tokens = await signInThroughIdp(api, idp, id);
    expect((await me(tokens.access_token)).body).toMatchObject({ id: member.id, role: 'viewer' });
  });

  it('syncs the role from the groups at every sign-in, and refuses a user no group or default maps', async () => {
    const id = await connection({
      role_mapping: { 'conduit-admins': 'tenant_admin', 'soc-analysts': 'analyst' },
      default_role: null,
    });
    idp.nextUser = { email: 'sync@acme.test', groups: ['conduit-admins', 'soc-analysts'] };
    const first = await signInThroughIdp(api, idp, id);
    expect((await me(first.access_token)).body.role).toBe('tenant_admin');
    idp.nextUser = { email: 'sync@acme.test', groups: ['soc-analysts'] };
    const second = await signInThroughIdp(api, idp, id);
    expect((await me(second.access_token)).body.role).toBe('analyst');
    const [row] = await api.sql(
      `SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'sync@acme.test'`,
    );
    expect(row.role).toBe('analyst');
    idp.nextUser = { email: 'sync@acme.test', groups: ['marketing'] };
    const refused = await postToAcs(await idp.answer(await samlLoginRedirect(api, id)));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('saml_no_role');
  });

  it("keeps the tenant's last active admin from being demoted by the groups, until another admin exists", async () => {
    const id = await connection({ role_mapping: { 'conduit-admins': 'tenant_admin', 'soc-analysts': 'analyst' } });
    idp.nextUser = { email: 'last@acme.test', groups: ['conduit-admins'] };
    const first = await signInThroughIdp(api, idp, id);
    const last = (await me(first.access_token)).body;
    expect(last.role).toBe('tenant_admin');
    // Every other admin of the tenant disabled: the SSO user is its last active admin.
    const others = await api.sql<{ user_id: string }>(
      `UPDATE memberships SET status = 'disabled'
        WHERE tenant_id = $1 AND user_id <> $2 AND role = 'tenant_admin' AND status = 'active' RETURNING user_id`,
      [tenantId, last.id],
    );
    try {
      idp.nextUser = { email: 'last@acme.test', groups: ['soc-analysts'] };
      const kept = await signInThroughIdp(api, idp, id);
      expect((await me(kept.access_token)).body.role).toBe('tenant_admin');
      const [audit] = await api.sql(
        `SELECT metadata FROM audit_events WHERE tenant_id = $1 AND action = 'auth.login' AND actor_id = $2
          AND outcome = 'success' ORDER BY created_at DESC LIMIT 1`,
        [tenantId, last.id],
      );
      expect(audit.metadata).toMatchObject({ method: 'saml', last_admin_kept: 'tenant_admin' });
    } finally {
      await api.sql(`UPDATE memberships SET status = 'active' WHERE tenant_id = $1 AND user_id = ANY($2::uuid[])`, [
        tenantId,
        others.map((o) => o.user_id),
      ]);
    }
    // Another admin again: the groups' role applies at the next sign-in.
    idp.nextUser = { email: 'last@acme.test', groups: ['soc-analysts'] };
    const demoted = await signInThroughIdp(api, idp, id);
    expect((await me(demoted.access_token)).body.role).toBe('analyst');
  });

  it("leaves an MSSP admin their role whatever the groups say (roles above tenant_admin are not the IdP's to give)", async () => {
    const id = await connection({ role_mapping: { 'soc-analysts': 'analyst' }, default_role: null });
    const mssp = await api.seedUser('acme', 'mssp_admin', 'mssp@acme.test');
    idp.nextUser = { email: 'mssp@acme.test', displayName: 'Max', groups: ['soc-analysts'] };
    const mapped = await signInThroughIdp(api, idp, id);
    expect((await me(mapped.access_token)).body).toMatchObject({ id: mssp.id, role: 'mssp_admin' });
    // No mapped group and no default role: still not refused, still not demoted.
    idp.nextUser = { email: 'mssp@acme.test', groups: ['marketing'] };
    const unmapped = await signInThroughIdp(api, idp, id);
    expect((await me(unmapped.access_token)).body.role).toBe('mssp_admin');
    const [row] = await api.sql(`SELECT role, display_name FROM memberships WHERE user_id = $1 AND tenant_id = $2`, [
      mssp.id,
      tenantId,
    ]);
    expect(row).toEqual({ role: 'mssp_admin', display_name: 'Max' });
  });

  it('refuses sign-in through a disabled connection, and a user disabled in Conduit', async () => {
    const id = await connection();
    idp.nextUser = { email: 'off@acme.test' };
    const answer = await idp.answer(await samlLoginRedirect(api, id));
    await api.request('PATCH', `/api/v1/sso/connections/${id}`, { token: admin.token, body: { enabled: false } });
    const refused = await postToAcs(answer);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('saml_connection_disabled');
    const login = await fetch(`${api.baseUrl}/api/v1/auth/saml/${id}/login`, { redirect: 'manual' });
    expect(login.status).toBe(401);
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe('saml_connection_disabled');
    await api.request('PATCH', `/api/v1/sso/connections/${id}`, { token: admin.token, body: { enabled: true } });
    // Disabled by a tenant admin: the IdP still vouches for them, Conduit does not let them in.
    const user = await api.seedUser('acme', 'viewer', 'disabled@acme.test');
    const off = await api.request('PATCH', `/api/v1/users/${user.id}`, {
      token: admin.token,
      body: { status: 'disabled' },
    });
    expect(off.status).toBe(200);
    idp.nextUser = { email: 'disabled@acme.test' };
    const sessionsBefore = await api.sql(`SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1`, [user.id]);
    const denied = await postToAcs(await idp.answer(await samlLoginRedirect(api, id)));
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('user_disabled');
    expect(await api.sql(`SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1`, [user.id])).toEqual(
      sessionsBefore,
    );
    expect((await failures('user_disabled')).length).toBe(1);
  });

  it('logs out SP-initiated (session revoked, signed LogoutRequest to the IdP) and from the IdP', async () => {
    const id = await connection();
    const metadata = await fetch(`${api.baseUrl}/api/v1/auth/saml/${id}/metadata`).then((r) => r.text());
    const spCert = `-----BEGIN CERTIFICATE-----\n${/<ds:X509Certificate>([^<]+)</.exec(metadata)?.[1]}\n-----END CERTIFICATE-----\n`;
    idp.nextUser = { email: 'slo@acme.test' };
    const tokens = await signInThroughIdp(api, idp, id);
    const out = await api.request('POST', '/api/v1/auth/saml/logout', { token: tokens.access_token });
    expect(out.status).toBe(200);
    const redirect = new URL(out.body.redirect_url);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(idp.sloUrl);
    const xml = inflateRawSync(Buffer.from(redirect.searchParams.get('SAMLRequest') as string, 'base64')).toString();
    expect(xml).toContain('LogoutRequest');
    expect(xml).toContain('slo@acme.test');
    const signedQuery = redirect.search
      .slice(1)
      .split('&')
      .filter((p) => !p.startsWith('Signature='))
      .join('&');
    expect(
      idp.redirectSignatureValid(
        {
          signedQuery,
          signature: redirect.searchParams.get('Signature') ?? '',
          sigAlg: redirect.searchParams.get('SigAlg') ?? '',
        },
        spCert,
      ),
    ).toBe(true);
    expect((await me(tokens.access_token)).status).toBe(401);
    // The IdP answers with a signed LogoutResponse to our SLO endpoint: the signed-out page.
    const idpAnswer = await fetch(out.body.redirect_url, { redirect: 'manual' });
    expect(idpAnswer.status).toBe(302);
    const signedOut = await fetch(idpAnswer.headers.get('location') as string, { redirect: 'manual' });
    expect(signedOut.status).toBe(200);
    expect(signedOut.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await signedOut.text()).toContain('signed out');
    // A password session is not a SAML one.
    const password = await api.request('POST', '/api/v1/auth/saml/logout', { token: admin.token });
    expect(password.status).toBe(400);
    expect(password.body.error.code).toBe('logout_requires_saml_session');

    // IdP-initiated: a signed LogoutRequest ends that user's sessions from this connection only.
    const again = await signInThroughIdp(api, idp, id);
    const issued = idp.issued[idp.issued.length - 1];
    const url = idp.logoutRequestUrl({
      spSloUrl: `${api.baseUrl}/api/v1/auth/saml/${id}/slo`,
      nameId: 'slo@acme.test',
      sessionIndex: issued.sessionIndex,
    });
    const slo = await fetch(url, { redirect: 'manual' });
    expect(slo.status).toBe(302);
    const back = new URL(slo.headers.get('location') as string);
    expect(`${back.origin}${back.pathname}`).toBe(idp.sloUrl);
    expect(inflateRawSync(Buffer.from(back.searchParams.get('SAMLResponse') as string, 'base64')).toString()).toContain(
      'urn:oasis:names:tc:SAML:2.0:status:Success',
    );
    expect((await me(again.access_token)).status).toBe(401);
    expect((await me(admin.token)).status).toBe(200);
    // Not signed by the IdP: refused, nothing revoked.
    const third = await signInThroughIdp(api, idp, id);
    const forged = await fetch(
      idp.logoutRequestUrl({
        spSloUrl: `${api.baseUrl}/api/v1/auth/saml/${id}/slo`,
        nameId: 'slo@acme.test',
        signWith: { privateKeyPem: ATTACKER_KEY_PAIR.privateKeyPem },
      }),
      { redirect: 'manual' },
    );
    expect(forged.status).toBe(401);
    expect((await me(third.access_token)).status).toBe(200);
  });
});
