// SSO connections: CRUD by tenant admins, metadata and certificate validation, the role ceiling, the licence feature,
// the SP metadata, the signed login redirect and its return_to rule.
import { X509Certificate, createVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { TestApi, startTestApi } from '../support/test-api';
import { useLicenseTerms } from '../support/test-license';
import { TestIdp, startTestIdp } from '../support/saml-idp';
import { connectionFromIdp } from '../support/saml-flow';
import { FEATURES } from '@conduit/licensing';

describe('SSO connections', () => {
  let api: TestApi;
  let idp: TestIdp;
  let admin: { id: string; token: string };
  let analyst: { token: string };
  let otherAdmin: { token: string };

  beforeAll(async () => {
    api = await startTestApi();
    idp = await startTestIdp();
    await api.seedTenant('acme');
    await api.seedTenant('globex');
    admin = await api.seedUser('acme', 'tenant_admin');
    analyst = await api.seedUser('acme', 'analyst');
    otherAdmin = await api.seedUser('globex', 'tenant_admin');
  });
  afterAll(async () => {
    await idp?.close();
    await api?.close();
  });

  const create = (body: Record<string, unknown>, token = admin.token) =>
    api.request('POST', '/api/v1/sso/connections', { token, body });
  const fields = (extra: Record<string, unknown> = {}) => ({
    name: `Manual ${Math.random()}`,
    idp_entity_id: idp.entityId,
    idp_sso_url: idp.ssoUrl,
    idp_certificates: [idp.certificatePem],
    ...extra,
  });

  it('creates from metadata XML, with its own SP key pair whose private key is sealed and never answered', async () => {
    const res = await create(connectionFromIdp(idp, { name: 'Okta' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Okta',
      protocol: 'saml',
      idp_entity_id: idp.entityId,
      idp_sso_url: idp.ssoUrl,
      idp_slo_url: idp.sloUrl,
      attribute_mapping: { email: 'email', display_name: 'displayName', groups: 'groups' },
      default_role: 'viewer',
      jit_provisioning: true,
      enabled: true,
      acs_url: `${api.baseUrl}/api/v1/auth/saml/${res.body.id}/acs`,
      sp_entity_id: `${api.baseUrl}/api/v1/auth/saml/${res.body.id}/metadata`,
    });
    expect(new X509Certificate(res.body.idp_certificates[0]).fingerprint256).toBe(
      new X509Certificate(idp.certificatePem).fingerprint256,
    );
    const sp = new X509Certificate(res.body.sp_certificate);
    expect(sp.verify(sp.publicKey)).toBe(true);
    const text =
      JSON.stringify(res.body) + (await api.request('GET', '/api/v1/sso/connections', { token: admin.token })).text;
    expect(text).not.toMatch(/PRIVATE KEY|sp_private_key/);
    const [row] = await api.sql(`SELECT sp_private_key_sealed FROM sso_connections WHERE id = $1`, [res.body.id]);
    expect(row.sp_private_key_sealed).not.toContain('PRIVATE KEY');
    expect(row.sp_private_key_sealed).toMatch(/^[0-9a-f-]{36}:/);
    // Another tenant's admin sees nothing of it.
    const other = await api.request('GET', `/api/v1/sso/connections/${res.body.id}`, { token: otherAdmin.token });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('sso_connection_not_found');
  });

  it('creates from the IdP fields, lists them paginated, updates and deletes', async () => {
    const a = await create(fields({ name: 'First' }));
    const b = await create(fields({ name: 'Second', idp_slo_url: `${idp.baseUrl}/slo` }));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((await create(fields({ name: 'first' }))).body.error.code).toBe('sso_connection_name_taken');
    const page = await api.request('GET', '/api/v1/sso/connections?limit=1', { token: admin.token });
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(1);
    const rest = await api.request('GET', `/api/v1/sso/connections?limit=200&cursor=${page.body.next_cursor}`, {
      token: admin.token,
    });
    expect(rest.body.data.map((c: { id: string }) => c.id)).not.toContain(page.body.data[0].id);
    const patched = await api.request('PATCH', `/api/v1/sso/connections/${a.body.id}`, {
      token: admin.token,
      body: { enabled: false, role_mapping: { admins: 'tenant_admin' }, default_role: null, idp_slo_url: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      enabled: false,
      role_mapping: { admins: 'tenant_admin' },
      default_role: null,
    });
    const removed = await api.request('DELETE', `/api/v1/sso/connections/${a.body.id}`, { token: admin.token });
    expect(removed.status).toBe(204);
    expect((await api.request('GET', `/api/v1/sso/connections/${a.body.id}`, { token: admin.token })).status).toBe(404);
    const [audit] = await api.sql(`SELECT outcome FROM audit_events WHERE action = 'sso_connection.delete'`);
    expect(audit.outcome).toBe('success');
  });

  it('refuses bad metadata and certificates with a code naming what is wrong, writing nothing', async () => {
    const before = await api.sql(`SELECT count(*)::int AS n FROM sso_connections`);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ idp_metadata_xml: 'not xml <' }, 'invalid_idp_metadata', /well-formed|EntityDescriptor/],
      [{ idp_metadata_xml: '<a/>' }, 'invalid_idp_metadata', /EntityDescriptor/],
      [
        { idp_metadata_xml: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>' },
        'invalid_idp_metadata',
        /IDPSSODescriptor/,
      ],
      [
        { idp_metadata_xml: idp.metadataXml.replace(/HTTP-Redirect/g, 'HTTP-Artifact') },
        'invalid_idp_metadata',
        /HTTP-Redirect/,
      ],
      [
        { idp_metadata_xml: idp.metadataXml.replace(/<(ds:)?X509Certificate>[^<]+</g, '<$1X509Certificate>AAAA<') },
        'invalid_certificate',
        /X\.509/,
      ],
      [
        fields({ idp_certificates: ['-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----'] }),
        'invalid_certificate',
        /idp_certificates\[0\]/,
      ],
      [{ idp_entity_id: 'x' }, 'invalid_idp_settings', /idp_sso_url/],
      [{ idp_metadata_xml: idp.metadataXml, idp_sso_url: idp.ssoUrl }, 'invalid_idp_settings', /not both/],
      [fields({ role_mapping: { g: 'mssp_admin' } }), 'invalid_role_mapping', /role_mapping\.g/],
    ];
    for (const [body, code, message] of cases) {
      const res = await create({ name: `Bad ${Math.random()}`, ...body });
      expect({ status: res.status, code: res.body.error?.code }, JSON.stringify(body).slice(0, 80)).toEqual({
        status: 400,
        code,
      });
      expect(res.body.error.message).toMatch(message);
    }
    expect(await api.sql(`SELECT count(*)::int AS n FROM sso_connections`)).toEqual(before);
  });

  it('lets only tenant admins (and above) manage connections, handing out tenant roles only', async () => {
    // Managing connections is a tenant admin's; nobody below may, so no caller can map a group above their own role.
    for (const role of ['analyst', 'viewer'] as const) {
      const user = await api.seedUser('acme', role, `${role}.ceiling@acme.test`);
      const res = await create(fields({ role_mapping: { admins: 'tenant_admin' } }), user.token);
      expect(res.status, role).toBe(403);
      const list = await api.request('GET', '/api/v1/sso/connections', { token: user.token });
      expect(list.status, role).toBe(403);
    }
    void analyst;
    // mssp_admin and platform_admin are not a tenant's to hand out, not even by a platform admin.
    const mapped = await create(fields({ role_mapping: { g: 'platform_admin' } }));
    expect(mapped.status).toBe(400);
    expect(mapped.body.error.code).toBe('invalid_role_mapping');
    const byDefault = await create(fields({ default_role: 'mssp_admin' }));
    expect(byDefault.status).toBe(400);
    expect(byDefault.body.error.code).toBe('validation_failed');
    const ok = await create(fields({ role_mapping: { admins: 'tenant_admin' }, default_role: 'analyst' }));
    expect(ok.status).toBe(201);
  });

  it('serves SP metadata with entity id, ACS, SLO and signing certificate', async () => {
    const created = await create(fields());
    const res = await fetch(`${api.baseUrl}/api/v1/auth/saml/${created.body.id}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/samlmetadata\+xml/);
    const xml = await res.text();
    const root = `${api.baseUrl}/api/v1/auth/saml/${created.body.id}`;
    expect(xml).toContain(`entityID="${root}/metadata"`);
    expect(xml).toMatch(new RegExp(`AssertionConsumerService[^>]*HTTP-POST[^>]*Location="${root}/acs"`));
    expect(xml).toMatch(new RegExp(`SingleLogoutService[^>]*HTTP-Redirect[^>]*Location="${root}/slo"`));
    expect(xml).toContain('AuthnRequestsSigned="true"');
    expect(xml).toContain('WantAssertionsSigned="true"');
    const body = created.body.sp_certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
    expect(xml).toContain(body);
    const unknown = await fetch(`${api.baseUrl}/api/v1/auth/saml/0190c0de-0000-7000-8000-000000000001/metadata`);
    expect(unknown.status).toBe(404);
    expect((await fetch(`${api.baseUrl}/api/v1/auth/saml/not-a-uuid/metadata`)).status).toBe(404);
  });

  it('redirects to the IdP with an AuthnRequest signed by the SP certificate (HTTP-Redirect binding)', async () => {
    const created = await create(fields());
    const res = await fetch(`${api.baseUrl}/api/v1/auth/saml/${created.body.id}/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location') as string;
    const url = new URL(location);
    expect(`${url.origin}${url.pathname}`).toBe(idp.ssoUrl);
    const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') as string, 'base64')).toString();
    const root = `${api.baseUrl}/api/v1/auth/saml/${created.body.id}`;
    expect(xml).toContain('AuthnRequest');
    expect(xml).toContain(`AssertionConsumerServiceURL="${root}/acs"`);
    expect(xml).toContain(`>${root}/metadata</saml:Issuer>`);
    expect(xml).toContain(`Destination="${idp.ssoUrl}"`);
    expect(url.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const relayState = url.searchParams.get('RelayState') as string;
    expect(relayState).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The binding signs SAMLRequest, RelayState and SigAlg exactly as encoded in the query.
    const parts = url.search.slice(1).split('&');
    const take = (k: string) => parts.find((p) => p.startsWith(`${k}=`)) as string;
    const signed = [take('SAMLRequest'), take('RelayState'), take('SigAlg')].join('&');
    const metadata = await fetch(`${root}/metadata`.replace(api.baseUrl, api.baseUrl)).then((r) => r.text());
    const certB64 = /<ds:X509Certificate>([^<]+)</.exec(metadata)?.[1] as string;
    const cert = new X509Certificate(Buffer.from(certB64, 'base64'));
    const ok = createVerify('RSA-SHA256')
      .update(signed)
      .verify(cert.publicKey, url.searchParams.get('Signature') as string, 'base64');
    expect(ok).toBe(true);
    // The request is outstanding in PostgreSQL with its return address, not in the RelayState.
    const id = /ID="([^"]+)"/.exec(xml)?.[1];
    const [row] = await api.sql(`SELECT relay_state, return_to, consumed_at FROM sso_saml_requests WHERE id = $1`, [
      id,
    ]);
    expect(row).toEqual({
      relay_state: relayState,
      return_to: `${root.replace(/\/[^/]+$/, '')}/complete`,
      consumed_at: null,
    });
  });

  it('refuses return_to addresses off this origin (no open redirect), and accepts allowed ones', async () => {
    const created = await create(fields());
    const login = (returnTo: string) =>
      fetch(`${api.baseUrl}/api/v1/auth/saml/${created.body.id}/login?return_to=${encodeURIComponent(returnTo)}`, {
        redirect: 'manual',
      });
    for (const bad of [
      'https://evil.example.net/',
      '//evil.example.net/x',
      '/\\evil.example.net',
      'javascript:alert(1)',
    ]) {
      const res = await login(bad);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_return_to');
    }
    expect((await login('/docs')).status).toBe(302);
    expect((await login(`${api.baseUrl}/docs`)).status).toBe(302);
    const unknown = await fetch(`${api.baseUrl}/api/v1/auth/saml/0190c0de-0000-7000-8000-000000000001/login`, {
      redirect: 'manual',
    });
    expect(unknown.status).toBe(404);
  });

  it('needs the saml licence feature on the connection routes and to sign in', async () => {
    const created = await create(fields());
    await useLicenseTerms(api, { features: FEATURES.filter((f) => f !== 'saml') });
    try {
      const list = await api.request('GET', '/api/v1/sso/connections', { token: admin.token });
      expect(list.status).toBe(403);
      expect(list.body.error.code).toBe('license_feature_unavailable');
      expect((await create(fields())).body.error.code).toBe('license_feature_unavailable');
      const login = await fetch(`${api.baseUrl}/api/v1/auth/saml/${created.body.id}/login`, { redirect: 'manual' });
      expect(login.status).toBe(403);
    } finally {
      await useLicenseTerms(api, {});
    }
    expect((await api.request('GET', '/api/v1/sso/connections', { token: admin.token })).status).toBe(200);
  });
});
