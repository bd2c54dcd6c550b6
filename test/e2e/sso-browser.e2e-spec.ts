// The whole SAML sign-in in headless Chromium (Debian's chromium through playwright-core): Conduit's login redirect,
// the test IdP's auto-posting form, the ACS, the default return_to page's code exchange, and Swagger UI authorised.
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { TestApi, startTestApi } from '../support/test-api';
import { useLicenseTerms } from '../support/test-license';
import { TestIdp, startTestIdp } from '../support/saml-idp';
import { connectionFromIdp, createConnection } from '../support/saml-flow';

describe('SSO in a browser: from the login URL to an authorised Swagger UI', () => {
  let api: TestApi;
  let idp: TestIdp;
  let browser: Browser;
  let connectionId: string;
  let adminToken: string;

  beforeAll(async () => {
    browser = await launchChromium();
    api = await startTestApi();
    await useLicenseTerms(api, { features: ['saml'] });
    await api.seedTenant('acme');
    adminToken = (await api.seedUser('acme', 'tenant_admin', 'boss@acme.test')).token;
    idp = await startTestIdp();
    connectionId = await createConnection(
      api,
      adminToken,
      connectionFromIdp(idp, { role_mapping: { engineering: 'analyst' }, default_role: null }),
    );
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.close();
    await api?.close();
  });

  it('follows the IdP auto-post to the ACS, lands in /docs authorised, and Try it out of /auth/me answers 200', async () => {
    idp.nextUser = { email: 'grace@acme.test', displayName: 'Grace Hopper', groups: ['engineering'] };
    const page = await browser.newPage();
    // A stuck step fails with the locator it waited for, inside the test's own timeout.
    page.setDefaultTimeout(10_000);
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });

    await page.goto(`${api.baseUrl}/api/v1/auth/saml/${connectionId}/login`);
    await page.waitForURL((url) => url.pathname === '/docs' || url.pathname === '/docs/', { timeout: 15_000 });
    await page.locator('.swagger-ui .info .title').waitFor();

    // The browser went through the IdP (its SSO page was a real navigation) and the code never reached /docs.
    expect(visited.some((u) => u.startsWith(idp.ssoUrl))).toBe(true);
    expect(idp.authnRequests).toHaveLength(1);
    // What Chromium carried to the IdP was an AuthnRequest signed with this connection's SP key (HTTP-Redirect).
    const connection = await api.request('GET', `/api/v1/sso/connections/${connectionId}`, { token: adminToken });
    expect(idp.redirectSignatureValid(idp.authnRequests[0], connection.body.sp_certificate)).toBe(true);
    expect(idp.authnRequests[0].acsUrl).toBe(connection.body.acs_url);
    expect(page.url()).not.toMatch(/[?&](code|access_token|token)=/);

    // Swagger UI shows its authorised state: the Authorize button is locked and the bearer scheme says Authorized.
    await page.locator('.btn.authorize.locked').waitFor();
    await page.locator('.btn.authorize').click();
    const bearer = page.locator('.auth-container', { has: page.getByText('bearer', { exact: true }) });
    await bearer.getByText('Authorized', { exact: true }).waitFor();
    await page.locator('.auth-btn-wrapper button.btn-done, button.btn-done').first().click();

    const me = page.locator('.opblock-get', { has: page.locator('[data-path="/api/v1/auth/me"]') });
    await me.locator('.opblock-summary-control').click();
    await me.locator('.try-out__btn').click();
    await me.locator('button.execute').click();
    const response = me.locator('.live-responses-table .response');
    await expect.poll(async () => (await response.locator('.response-col_status').textContent())?.trim()).toBe('200');
    const body = (await response.locator('.response-col_description').textContent()) ?? '';
    expect(body).toContain('grace@acme.test');
    expect(body).toContain('analyst');

    // One SAML session for the JIT-provisioned account, from this connection.
    const sessions = await api.sql<{ method: string; connection_id: string }>(
      `select s.method, s.connection_id from auth_sessions s join users u on u.id = s.user_id where u.email = $1`,
      ['grace@acme.test'],
    );
    expect(sessions).toEqual([{ method: 'saml', connection_id: connectionId }]);
    await page.close();
  });
});
