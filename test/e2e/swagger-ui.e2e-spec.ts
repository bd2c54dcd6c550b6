// Swagger UI in a real browser (Debian's chromium through playwright-core), opened over plain HTTP at an address of
// this machine other than loopback, as from another machine: the page renders, takes a token and runs a call.
import { networkInterfaces } from 'node:os';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { TestApi, startTestApi } from '../support/test-api';

/** The machine's first IPv4 address that is not internal (browsers never upgrade loopback: it would prove nothing). */
function machineAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((i) => i?.family === 'IPv4' && !i.internal);
  if (!found)
    throw new Error('this test needs a non-internal IPv4 address on the machine (none in os.networkInterfaces())');
  return found.address;
}

describe('Swagger UI over plain HTTP at a non-loopback address', () => {
  let api: TestApi;
  let browser: Browser;
  let docsUrl: string;
  let token: string;

  beforeAll(async () => {
    browser = await launchChromium();
    api = await startTestApi({}, { host: '0.0.0.0' });
    const port = new URL(api.baseUrl).port;
    docsUrl = `http://${machineAddress()}:${port}/docs`;
    await api.seedTenant('acme');
    token = (await api.seedUser('acme', 'analyst', 'ana@acme.test')).token;
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('authorises with a bearer token and executes GET /api/v1/auth/me, answered 200', async () => {
    const page = await browser.newPage();
    // A stuck step fails with the locator it waited for, inside the test's own timeout.
    page.setDefaultTimeout(10_000);
    await page.goto(docsUrl);
    // The page stays blank when the browser may not load its scripts (an upgrade to https:// where there is no TLS).
    await page.locator('.swagger-ui .info .title').waitFor();
    await page.locator('.btn.authorize').click();
    const bearer = page.locator('.auth-container', { has: page.getByText('bearer', { exact: true }) });
    await bearer.locator('#auth-bearer-value').fill(token);
    await bearer.locator('button.authorize').click();
    await bearer.getByText('Authorized', { exact: true }).waitFor();
    await bearer.locator('button.btn-done').click();

    const me = page.locator('.opblock-get', { has: page.locator('[data-path="/api/v1/auth/me"]') });
    await me.locator('.opblock-summary-control').click();
    await me.locator('.try-out__btn').click();
    await me.locator('button.execute').click();
    const response = me.locator('.live-responses-table .response');
    await expect.poll(async () => (await response.locator('.response-col_status').textContent())?.trim()).toBe('200');
    // The relative server: the call went to the address the page came from.
    expect(await me.locator('.request-url pre').textContent()).toBe(docsUrl.replace(/\/docs$/, '/api/v1/auth/me'));
    expect(await response.locator('.response-col_description').textContent()).toContain('ana@acme.test');
  });
});
