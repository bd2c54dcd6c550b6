// The test IdP and the forged responses, checked against @node-saml/node-saml configured as Conduit's SP intends
// (assertion signature required, audience and IdP certificate pinned, InResponseTo checked): no app needed.
import { generateKeyPairSync } from 'node:crypto';
import { SAML, SamlConfig, ValidateInResponseTo } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import {
  WRAPPING_POSITIONS,
  decodeSamlResponse,
  forgeCommentInjection,
  forgeExpired,
  forgeSignatureWrapping,
  forgeSignedByOtherCertificate,
  forgeUnknownInResponseTo,
  forgeUnsigned,
  forgeWrongAudience,
} from '../support/saml-forgery';
import { ATTACKER_KEY_PAIR, SamlAnswer, TestIdp, startTestIdp } from '../support/saml-idp';

const SP_ENTITY_ID = 'http://127.0.0.1:1/api/v1/auth/saml/0190c0de-0000-7000-8000-000000000001/metadata';
const SP_ACS_URL = 'http://127.0.0.1:1/api/v1/auth/saml/0190c0de-0000-7000-8000-000000000001/acs';
const spKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SP_PRIVATE_KEY = spKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SP_PUBLIC_KEY = spKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

describe('test SAML IdP against node-saml with the SP options Conduit uses', () => {
  let idp: TestIdp;

  /** A fresh SP (its own request cache) with the intended options; `overrides` only where a test says why. */
  function sp(overrides: Partial<SamlConfig> = {}): SAML {
    return new SAML({
      entryPoint: idp.ssoUrl,
      logoutUrl: idp.sloUrl,
      issuer: SP_ENTITY_ID,
      callbackUrl: SP_ACS_URL,
      audience: SP_ENTITY_ID,
      idpCert: idp.certificatePem,
      idpIssuer: idp.entityId,
      privateKey: SP_PRIVATE_KEY,
      signatureAlgorithm: 'sha256',
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      acceptedClockSkewMs: 60_000,
      ...overrides,
    });
  }

  async function loginUrl(saml: SAML, relayState = 'relay-1'): Promise<string> {
    return saml.getAuthorizeUrlAsync(relayState, undefined, {});
  }

  async function validate(saml: SAML, answer: SamlAnswer) {
    return saml.validatePostResponseAsync({ SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState });
  }

  beforeAll(async () => {
    idp = await startTestIdp();
  });
  afterAll(async () => {
    await idp?.close();
  });
  beforeEach(() => {
    idp.nextUser = { email: 'ada@acme.test', displayName: 'Ada Lovelace', groups: ['engineering', 'admins'] };
  });

  it('serves IdP metadata: entity id, signing certificate, HTTP-Redirect SSO and SLO', async () => {
    const res = await fetch(idp.metadataUrl);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toBe(idp.metadataXml);
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const entity = doc.documentElement!;
    expect(entity.localName).toBe('EntityDescriptor');
    expect(entity.getAttribute('entityID')).toBe(idp.entityId);
    const idpDescriptor = entity.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
    expect(idpDescriptor).toBeDefined();
    const key = idpDescriptor.getElementsByTagNameNS(MD, 'KeyDescriptor')[0];
    expect(key.getAttribute('use')).toBe('signing');
    expect(key.getElementsByTagNameNS(DS, 'X509Certificate')[0].textContent).toBe(pemBody(idp.certificatePem));
    const sso = Array.from(idpDescriptor.getElementsByTagNameNS(MD, 'SingleSignOnService')).find(
      (e) => e.getAttribute('Binding') === REDIRECT,
    );
    expect(sso?.getAttribute('Location')).toBe(idp.ssoUrl);
    const slo = Array.from(idpDescriptor.getElementsByTagNameNS(MD, 'SingleLogoutService')).find(
      (e) => e.getAttribute('Binding') === REDIRECT,
    );
    expect(slo?.getAttribute('Location')).toBe(idp.sloUrl);
  });

  it('answers a signed AuthnRequest at its SSO URL with an auto-posting form that node-saml accepts', async () => {
    const saml = sp();
    const url = await loginUrl(saml, 'state-42');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`action="${SP_ACS_URL}"`);
    expect(html).toMatch(/document\.forms\[0\]\.submit\(\)/);
    const SAMLResponse = /name="SAMLResponse" value="([^"]+)"/.exec(html)![1];
    const RelayState = /name="RelayState" value="([^"]*)"/.exec(html)![1];
    expect(RelayState).toBe('state-42');

    const received = idp.authnRequests.at(-1)!;
    expect(received.issuer).toBe(SP_ENTITY_ID);
    expect(received.acsUrl).toBe(SP_ACS_URL);
    expect(idp.redirectSignatureValid(received, SP_PUBLIC_KEY)).toBe(true);
    expect(idp.redirectSignatureValid(received, ATTACKER_KEY_PAIR.certificatePem)).toBe(false);

    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse, RelayState });
    expect(profile?.nameID).toBe('ada@acme.test');
    expect(profile?.inResponseTo).toBe(received.id);
    expect(profile?.email).toBe('ada@acme.test');
    expect(profile?.displayName).toBe('Ada Lovelace');
    expect(profile?.groups).toEqual(['engineering', 'admins']);
    expect(profile?.sessionIndex).toBeTruthy();
  });

  it('answer() gives the same, without HTTP, for the user asked for; a single group stays a group', async () => {
    const saml = sp();
    const answer = await idp.answer(await loginUrl(saml), {
      user: { email: 'bob@acme.test', displayName: 'Bob', groups: ['viewers'] },
    });
    expect(answer.acsUrl).toBe(SP_ACS_URL);
    expect(answer.RelayState).toBe('relay-1');
    const { profile } = await validate(saml, answer);
    expect(profile?.nameID).toBe('bob@acme.test');
    expect(profile?.sessionIndex).toBe(answer.sessionIndex);
    expect([profile?.groups].flat()).toEqual(['viewers']);
  });

  it('IdP-initiated: accepted only where unsolicited responses are allowed', async () => {
    const answer = await idp.idpInitiated({ acsUrl: SP_ACS_URL, audience: SP_ENTITY_ID });
    expect(decodeSamlResponse(answer.SAMLResponse)).not.toContain('InResponseTo');
    await expect(validate(sp(), answer)).rejects.toThrow(/InResponseTo is missing/);
    const { profile } = await validate(sp({ validateInResponseTo: ValidateInResponseTo.ifPresent }), answer);
    expect(profile?.nameID).toBe('ada@acme.test');
  });

  it('IdP LogoutRequest (HTTP-Redirect, signed) validates at the SP with the IdP certificate only', async () => {
    const spSloUrl = SP_ACS_URL.replace(/acs$/, 'slo');
    const url = idp.logoutRequestUrl({ spSloUrl, nameId: 'ada@acme.test', sessionIndex: '_s1', relayState: 'r' });
    const u = new URL(url);
    const query = Object.fromEntries(u.searchParams);
    const { profile, loggedOut } = await sp().validateRedirectAsync(query, u.search.slice(1));
    expect(loggedOut).toBe(true);
    expect(profile?.nameID).toBe('ada@acme.test');
    expect(profile?.sessionIndex).toBe('_s1');

    const forged = new URL(idp.logoutRequestUrl({ spSloUrl, nameId: 'ada@acme.test', signWith: ATTACKER_KEY_PAIR }));
    await expect(
      sp().validateRedirectAsync(Object.fromEntries(forged.searchParams), forged.search.slice(1)),
    ).rejects.toThrow(/signature/i);
  });

  it('SP-initiated logout: records the LogoutRequest and redirects a signed LogoutResponse to the SP', async () => {
    const saml = sp();
    const answer = await idp.answer(await loginUrl(saml));
    const { profile } = await validate(saml, answer);
    const logoutUrl = await saml.getLogoutUrlAsync(profile!, 'after-logout', {});
    const res = await fetch(logoutUrl, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const received = idp.logoutMessages.at(-1)!;
    expect(received.kind).toBe('LogoutRequest');
    expect(received.nameId).toBe('ada@acme.test');
    expect(received.sessionIndex).toBe(answer.sessionIndex);
    expect(idp.redirectSignatureValid(received, SP_PUBLIC_KEY)).toBe(true);

    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(SP_ACS_URL.replace(/acs$/, 'slo'));
    expect(location.searchParams.get('RelayState')).toBe('after-logout');
    const result = await saml.validateRedirectAsync(
      Object.fromEntries(location.searchParams),
      location.search.slice(1),
    );
    expect(result.loggedOut).toBe(true);
  });

  describe('forged responses are refused', () => {
    it('unsigned response', async () => {
      const saml = sp();
      await expect(validate(saml, await forgeUnsigned(idp, await loginUrl(saml)))).rejects.toThrow(/signature/i);
    });

    it('signed by another certificate (carried in KeyInfo)', async () => {
      const saml = sp();
      const answer = await forgeSignedByOtherCertificate(idp, await loginUrl(saml));
      expect(decodeSamlResponse(answer.SAMLResponse)).toContain(pemBody(ATTACKER_KEY_PAIR.certificatePem));
      await expect(validate(saml, answer)).rejects.toThrow(/signature/i);
    });

    it('wrong audience', async () => {
      const saml = sp();
      const answer = await forgeWrongAudience(idp, await loginUrl(saml));
      await expect(validate(saml, answer)).rejects.toThrow(/audience/i);
    });

    it('expired (an hour old, far beyond the 60 s skew), though validly signed', async () => {
      const saml = sp();
      const answer = await forgeExpired(idp, await loginUrl(saml));
      // node-saml names the subject confirmation (its NotOnOrAfter is checked first) or the conditions window.
      await expect(validate(saml, answer)).rejects.toThrow(/expired|subject confirmation/i);
      // Refused only for its age: with the clock an hour back the same signed response is accepted (by an SP that
      // does not check InResponseTo: a refused response has already used up its request id).
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() - 3600_000);
        const { profile } = await validate(sp({ validateInResponseTo: ValidateInResponseTo.never }), answer);
        expect(profile?.nameID).toBe('ada@acme.test');
      } finally {
        vi.useRealTimers();
      }
    });

    it('replayed: the same response a second time (InResponseTo is single use)', async () => {
      const saml = sp();
      const answer = await idp.answer(await loginUrl(saml));
      await expect(validate(saml, answer)).resolves.toBeTruthy();
      await expect(validate(saml, answer)).rejects.toThrow(/InResponseTo/);
    });

    it('unknown InResponseTo, though validly signed', async () => {
      const saml = sp();
      const answer = await forgeUnknownInResponseTo(idp, await loginUrl(saml));
      await expect(validate(saml, answer)).rejects.toThrow(/InResponseTo/);
    });

    it.each(WRAPPING_POSITIONS)('XML signature wrapping, injected assertion %s', async (position) => {
      const saml = sp();
      const answer = await forgeSignatureWrapping(idp, await loginUrl(saml), {
        signedUser: { email: 'mallory@acme.test', displayName: 'Mallory', groups: [] },
        injectedUser: { email: 'admin@acme.test', displayName: 'Admin', groups: ['admins'] },
        position,
      });
      const xml = decodeSamlResponse(answer.SAMLResponse);
      expect(xml).toContain('admin@acme.test');
      expect(xml).toContain('mallory@acme.test');
      // node-saml says "Invalid signature: multiple assertions", "Invalid signature" or
      // "Invalid signature: ID cannot refer to more than one element".
      await expect(validate(saml, answer)).rejects.toThrow(/signature/i);
    });

    it('comment injection in the NameID never yields the victim', async () => {
      const saml = sp();
      const { answer, signedEmail } = await forgeCommentInjection(idp, await loginUrl(saml), {
        victimEmail: 'admin@acme.test',
      });
      expect(decodeSamlResponse(answer.SAMLResponse)).toContain('admin@acme.test<!---->.evil.test');
      // Either refused, or read as the whole signed value: never as admin@acme.test.
      const outcome = await validate(saml, answer).then(
        (r) => ({ nameID: r.profile?.nameID, email: r.profile?.email }),
        (e: Error) => ({ error: e.message }),
      );
      if ('error' in outcome) expect(outcome.error).toMatch(/signature|comment/i);
      else expect(outcome).toEqual({ nameID: signedEmail, email: signedEmail });
    });
  });

  it('a forgery check is not vacuous: the unmodified answer for the same request passes', async () => {
    const saml = sp();
    const url = await loginUrl(saml);
    await expect(validate(saml, await idp.answer(url))).resolves.toBeTruthy();
  });
});
