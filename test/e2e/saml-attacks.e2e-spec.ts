// Forged SAML responses posted to the real ACS: each is a 401 with its code, audited as a failed sign-in with that
// reason, and writes nothing else (no session, account or membership; the victim's last sign-in is untouched).
import { TestApi, startTestApi } from '../support/test-api';
import { useLicenseTerms } from '../support/test-license';
import {
  WRAPPING_POSITIONS,
  forgeCommentInjection,
  forgeExpired,
  forgeSignatureWrapping,
  forgeSignedByOtherCertificate,
  forgeUnknownInResponseTo,
  forgeUnsigned,
  forgeWrongAudience,
} from '../support/saml-forgery';
import { SamlAnswer, TestIdp, startTestIdp } from '../support/saml-idp';
import {
  codeFrom,
  connectionFromIdp,
  createConnection,
  exchangeCode,
  postToAcs,
  samlLoginRedirect,
} from '../support/saml-flow';

interface Writes {
  sessions: number;
  accounts: number;
  memberships: number;
  /** Assertion ids recorded as used: a refused forgery must not use up an id (nor be remembered at all). */
  acceptedAssertions: number;
  loginCodes: number;
  victimLastLogin: string | null;
}

describe('SAML ACS refuses forged responses', () => {
  let api: TestApi;
  let idp: TestIdp;
  let tenantId: string;
  let adminToken: string;
  /** JIT on, SP-initiated only: a forged assertion that got through would create an account. */
  let jit: string;
  /** JIT off: only existing members may sign in. */
  let noJit: string;
  /** IdP-initiated allowed: InResponseTo cannot catch a replay here, only the assertion id can. */
  let unsolicited: string;
  const victim = 'admin@acme.test';

  async function writes(): Promise<Writes> {
    const [row] = await api.sql<Writes>(
      `select (select count(*)::int from auth_sessions where tenant_id = $1) as sessions,
              (select count(*)::int from users) as accounts,
              (select count(*)::int from memberships where tenant_id = $1) as memberships,
              (select count(*)::int from sso_saml_assertions where tenant_id = $1) as "acceptedAssertions",
              (select count(*)::int from sso_login_codes where tenant_id = $1) as "loginCodes",
              (select m.last_login_at::text from memberships m join users u on u.id = m.user_id
                where m.tenant_id = $1 and u.email = $2) as "victimLastLogin"`,
      [tenantId, victim],
    );
    return row;
  }

  async function auditIds(): Promise<Set<string>> {
    const rows = await api.sql<{ id: string }>('select id from audit_events where tenant_id = $1', [tenantId]);
    return new Set(rows.map((r) => r.id));
  }

  /** Posts the forgery; expects 401 `code`, a failed sign-in audited with the code as reason, and no other write. */
  async function expectRefused(
    answer: SamlAnswer,
    code: string,
    { consumesAssertion = false }: { consumesAssertion?: boolean } = {},
  ): Promise<void> {
    const before = await writes();
    const auditBefore = await auditIds();
    const res = await postToAcs(answer);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code });
    expect(res.location).toBeNull();
    // No assertion content in the answer.
    expect(res.text).not.toContain(answer.SAMLResponse.slice(0, 40));
    // Only a genuine assertion (valid signature, audience, time) refused for who it names is remembered as used, so
    // it cannot be replayed later (e.g. once JIT is turned on); a forgery leaves no trace.
    expect(await writes()).toEqual({
      ...before,
      acceptedAssertions: before.acceptedAssertions + (consumesAssertion ? 1 : 0),
    });

    const audited = (
      await api.sql<{ id: string; action: string; outcome: string; actor_type: string; metadata: any; row: string }>(
        `select id, action, outcome, actor_type, metadata, to_jsonb(a)::text as row from audit_events a
          where tenant_id = $1`,
        [tenantId],
      )
    ).filter((r) => !auditBefore.has(r.id));
    expect(audited.length, 'one audit row for the refused sign-in').toBe(1);
    const connectionId = /\/saml\/([^/]+)\/acs$/.exec(answer.acsUrl)?.[1];
    expect(audited[0]).toMatchObject({
      action: 'auth.login',
      outcome: 'failure',
      actor_type: 'anonymous',
      metadata: { method: 'saml', connection_id: connectionId, reason: code },
    });
    // Nothing of the assertion is kept: not the response, not who it claimed to be.
    expect(audited[0].row).not.toContain(answer.SAMLResponse.slice(0, 40));
    expect(audited[0].row).not.toContain(victim);
  }

  beforeAll(async () => {
    api = await startTestApi();
    await useLicenseTerms(api, { features: ['saml'] });
    tenantId = (await api.seedTenant('acme')).id;
    adminToken = (await api.seedUser('acme', 'tenant_admin', 'boss@acme.test')).token;
    await api.seedUser('acme', 'tenant_admin', victim);
    idp = await startTestIdp();
    jit = await createConnection(api, adminToken, connectionFromIdp(idp, { name: 'JIT' }));
    noJit = await createConnection(
      api,
      adminToken,
      connectionFromIdp(idp, { name: 'No JIT', jit_provisioning: false }),
    );
    unsolicited = await createConnection(
      api,
      adminToken,
      connectionFromIdp(idp, { name: 'IdP-initiated', allow_idp_initiated: true }),
    );
  });
  afterAll(async () => {
    await idp?.close();
    await api?.close();
  });
  beforeEach(() => {
    idp.nextUser = { email: 'newcomer@acme.test', displayName: 'Newcomer', groups: [] };
  });

  const login = (connectionId: string) => samlLoginRedirect(api, connectionId, `${api.baseUrl}/after-sso`);

  it('the untouched answer signs in (so each refusal below is about its forgery)', async () => {
    idp.nextUser = { email: 'legit@acme.test', displayName: 'Legit', groups: [] };
    const before = await writes();
    const res = await postToAcs(await idp.answer(await login(jit)));
    expect(res.status).toBe(302);
    const tokens = await exchangeCode(api, codeFrom(res.location));
    expect(tokens.status).toBe(200);
    const me = await api.request('GET', '/api/v1/auth/me', { token: tokens.body.access_token });
    expect(me.body.label).toBe('legit@acme.test');
    const after = await writes();
    expect(after.sessions).toBe(before.sessions + 1);
    expect(after.accounts).toBe(before.accounts + 1);
  });

  it('unsigned response: saml_signature_invalid', async () => {
    await expectRefused(await forgeUnsigned(idp, await login(jit)), 'saml_signature_invalid');
  });

  it('signed by another certificate: saml_signature_invalid', async () => {
    await expectRefused(await forgeSignedByOtherCertificate(idp, await login(jit)), 'saml_signature_invalid');
  });

  it('assertion for another service provider: saml_audience_mismatch', async () => {
    await expectRefused(await forgeWrongAudience(idp, await login(jit)), 'saml_audience_mismatch');
  });

  it('an hour old, validly signed: saml_expired', async () => {
    await expectRefused(await forgeExpired(idp, await login(jit)), 'saml_expired');
  });

  it('answering a request this SP never sent: saml_unknown_request', async () => {
    await expectRefused(await forgeUnknownInResponseTo(idp, await login(jit)), 'saml_unknown_request');
  });

  it('IdP-initiated response on a connection that does not allow it: saml_unknown_request', async () => {
    const { acsUrl, audience } = await spAddresses(jit);
    await expectRefused(await idp.idpInitiated({ acsUrl, audience }), 'saml_unknown_request');
  });

  it('the same SP-initiated response twice: the second is saml_replayed', async () => {
    idp.nextUser = { email: 'twice@acme.test', displayName: 'Twice', groups: [] };
    const answer = await idp.answer(await login(jit));
    expect((await postToAcs(answer)).status).toBe(302);
    await expectRefused(answer, 'saml_replayed');
  });

  it('the same IdP-initiated response twice (no InResponseTo to catch it): the second is saml_replayed', async () => {
    idp.nextUser = { email: 'unsolicited@acme.test', displayName: 'Unsolicited', groups: [] };
    const { acsUrl, audience } = await spAddresses(unsolicited);
    const answer = await idp.idpInitiated({ acsUrl, audience });
    expect((await postToAcs(answer)).status).toBe(302);
    await expectRefused(answer, 'saml_replayed');
  });

  it.each(WRAPPING_POSITIONS)(
    'XML signature wrapping (injected assertion %s) for an existing admin: saml_signature_invalid',
    async (position) => {
      const answer = await forgeSignatureWrapping(idp, await login(jit), {
        signedUser: { email: 'mallory@evil.test', displayName: 'Mallory', groups: [] },
        injectedUser: { email: victim, displayName: 'Admin', groups: [] },
        position,
      });
      await expectRefused(answer, 'saml_signature_invalid');
    },
  );

  it('comment injection in the NameID, JIT off: the signed address is not a member, the victim is untouched', async () => {
    const { answer } = await forgeCommentInjection(idp, await login(noJit), { victimEmail: victim });
    await expectRefused(answer, 'saml_user_not_provisioned', { consumesAssertion: true });
  });

  it('comment injection in the NameID, JIT on: the session is for the whole signed address, never the victim', async () => {
    const { answer, signedEmail } = await forgeCommentInjection(idp, await login(jit), { victimEmail: victim });
    const before = await writes();
    const res = await postToAcs(answer);
    expect(res.status).toBe(302);
    const tokens = await exchangeCode(api, codeFrom(res.location));
    const me = await api.request('GET', '/api/v1/auth/me', { token: tokens.body.access_token });
    expect(me.body.label).toBe(signedEmail);
    expect((await writes()).victimLastLogin).toBe(before.victimLastLogin);
  });

  /** The SP's entity id and ACS URL for a connection, read from its published metadata. */
  async function spAddresses(connectionId: string): Promise<{ acsUrl: string; audience: string }> {
    const res = await fetch(`${api.baseUrl}/api/v1/auth/saml/${connectionId}/metadata`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    const audience = /entityID="([^"]+)"/.exec(xml)?.[1];
    const acsUrl = /AssertionConsumerService[^>]*Location="([^"]+)"/.exec(xml)?.[1];
    if (!audience || !acsUrl) throw new Error(`SP metadata without entity id or ACS: ${xml}`);
    return { acsUrl, audience };
  }
});
