// events_per_month of an MSSP allocation, end to end on the real API, two workers, PostgreSQL and Redis, with the clock
// moved: the worker's usage count sums the allocated tenant's subtree (its own events and those below it, published
// and received) and publishes license.quota_warning at 80% and license.quota_reached at 100% of the allocation into
// that tenant's own stream, each once a month with two workers counting at once, twice over; a tenant without an
// allocation of events_per_month hears nothing; the installation's notices (an enterprise licence signed here) are as
// before, into the platform tenant's stream; the MSSP's compliance report shows its subtree against the allocation.
//   platform (platform_admin) · acme · msp (allocation: events_per_month 10) ─ msp-client (allocation: users only)
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { UsageCounter } from '@conduit/licensing/engine';
import { Clock } from '@conduit/platform';
import { useLicenseTerms } from '../support/test-license';
import { TestStack, startTestStack } from '../support/test-stack';

const INSTALLATION_LIMIT = 20;
const ALLOCATION_LIMIT = 10;

describe('licence: events_per_month notifications of an allocation', () => {
  let stack: TestStack;
  /** A second worker of the installation. */
  let other: NestFastifyApplication;
  let at = Date.now();
  const setClock = (iso: string) => (at = Date.parse(iso));
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  const useSuiteClock = (app: NestFastifyApplication) => {
    app.get(Clock).now = () => new Date(at);
  };
  const startWorker = async () => {
    const app = await createWorkerApp(stack.config, { logger: false, http: true });
    useSuiteClock(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app;
  };
  /** Both workers count (and notify) at once, twice over; answers how many notifications they published. */
  const countEverywhere = async () => {
    let notified = 0;
    for (let round = 0; round < 2; round++)
      for (const run of await Promise.all([stack.get(UsageCounter).countOnce(), other.get(UsageCounter).countOnce()]))
        notified += run.notified;
    return notified;
  };
  const publish = async (tenant: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await stack.api.request('POST', '/api/v1/events', {
        token: tokens[tenant],
        body: { event_name: 'order.created', payload: { i } },
      });
      expect(res.status, res.text).toBeLessThan(300);
    }
  };
  const notices = (tenant: string) =>
    stack.api.sql<{ event_name: string; payload: Record<string, unknown> }>(
      `SELECT event_name, payload FROM webhook_events
        WHERE tenant_id = $1 AND source = 'conduit' AND event_name LIKE 'license.quota%' ORDER BY created_at, id`,
      [ids[tenant]],
    );
  const allocate = async (tenant: string, quotas: Record<string, number>) => {
    const res = await stack.api.request('PUT', `/api/v1/tenants/${ids[tenant]}/license-allocation`, {
      token: tokens.platform,
      body: { quotas },
    });
    expect(res.status, res.text).toBe(200);
  };
  const mspNotice = (threshold: string, usage: number) => ({
    event_name: `license.quota_${threshold}`,
    payload: {
      quota: 'events_per_month',
      scope: 'tenant',
      tenant_id: ids.msp,
      tenant_code: 'msp',
      threshold,
      month: '2031-01',
      limit: ALLOCATION_LIMIT,
      usage,
      percent: Math.floor((usage * 100) / ALLOCATION_LIMIT),
    },
  });

  beforeAll(async () => {
    // The timer's interval is long: besides its tick at start, the suite runs the count itself.
    stack = await startTestStack({ worker: false, config: { LICENSE_USAGE_INTERVAL_MS: '3600000' } });
    useSuiteClock(stack.api.app);
    for (const [code, parent] of [['platform'], ['acme'], ['msp'], ['msp-client', 'msp']] as const)
      ids[code] = (await stack.api.seedTenant(code, parent)).id;
    tokens.platform = (await stack.api.seedUser('platform', 'platform_admin')).token;
    tokens.msp = (await stack.api.seedUser('msp', 'mssp_admin')).token;
    tokens.acme = (await stack.api.seedUser('acme', 'tenant_admin')).token;
    tokens['msp-client'] = (await stack.api.seedUser('msp-client', 'tenant_admin')).token;
    setClock('2031-01-20T10:00:00Z');
    await useLicenseTerms(stack.api, {
      quotas: { tenants: null, users: null, events_per_month: INSTALLATION_LIMIT },
    });
    await allocate('msp', { events_per_month: ALLOCATION_LIMIT });
    await allocate('msp-client', { users: 5 });
    stack.worker = await startWorker();
    other = await startWorker();
  }, 60_000);
  afterAll(async () => {
    await other?.close();
    await stack?.close();
  });

  it("publishes 80% and 100% of an allocation's events_per_month into that tenant's stream, each once", async () => {
    // 8 events below msp: 80% of its allocation, 40% of the installation's limit.
    await publish('msp-client', 8);
    setClock('2031-01-20T10:10:00Z');
    expect(await countEverywhere()).toBe(1);
    expect(await notices('msp')).toEqual([mspNotice('warning', 8)]);

    await publish('msp-client', 2);
    await publish('msp-client', 1);
    setClock('2031-01-20T10:20:00Z');
    expect(await countEverywhere()).toBe(1);
    expect(await countEverywhere()).toBe(0);
    expect(await notices('msp')).toEqual([mspNotice('warning', 8), mspNotice('reached', 11)]);
    const claims = await stack.api.sql(
      `SELECT allocated_to, threshold, usage::int, quota_limit::int, event_id IS NOT NULL AS published
         FROM license_usage_allocation_notifications ORDER BY threshold`,
    );
    expect(claims).toEqual([
      { allocated_to: ids.msp, threshold: 'reached', usage: 11, quota_limit: ALLOCATION_LIMIT, published: true },
      { allocated_to: ids.msp, threshold: 'warning', usage: 8, quota_limit: ALLOCATION_LIMIT, published: true },
    ]);
    // The MSSP admin reads them as events of its own tenant.
    const listed = await stack.api.request('GET', '/api/v1/events?source=conduit', { token: tokens.msp });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.data.map((e: { event_name: string }) => e.event_name).sort()).toEqual([
      'license.quota_reached',
      'license.quota_warning',
    ]);
  });

  it('tells nothing to a tenant without an allocation of events_per_month, nor the installation below 80%', async () => {
    // msp-client holds an allocation of users only; acme none; the installation is at 11 of 20.
    for (const tenant of ['msp-client', 'acme', 'platform']) expect(await notices(tenant)).toEqual([]);
    expect(await stack.api.sql(`SELECT * FROM license_usage_notifications`)).toEqual([]);
  });

  it("publishes the installation's notices as before, into the platform tenant's stream", async () => {
    // 16 of 20: the installation's 80%; msp's subtree is unchanged, so nothing more for msp.
    await publish('acme', 5);
    setClock('2031-01-20T10:30:00Z');
    expect(await countEverywhere()).toBe(1);
    expect(await notices('platform')).toEqual([
      {
        event_name: 'license.quota_warning',
        payload: {
          quota: 'events_per_month',
          scope: 'installation',
          threshold: 'warning',
          month: '2031-01',
          limit: INSTALLATION_LIMIT,
          usage: 16,
          percent: 80,
        },
      },
    ]);
    expect(await notices('msp')).toHaveLength(2);
    for (const tenant of ['msp-client', 'acme']) expect(await notices(tenant)).toEqual([]);
  });

  it("shows the subtree against the allocation in the tenant's compliance report", async () => {
    const report = async (token: string, tenant?: string) => {
      const res = await stack.api.request('GET', '/api/v1/license/report?month=2031-01', { token, tenant });
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    const msp = await report(tokens.msp);
    expect(msp.totals.events).toBe(11);
    expect(msp.allocation).toEqual({
      events: 11,
      events_per_month_limit: ALLOCATION_LIMIT,
      percent: 110,
      quota_warning: true,
      quota_reached: true,
      quota_warning_at: '2031-01-20T10:10:00.000Z',
      quota_reached_at: '2031-01-20T10:20:00.000Z',
    });
    // A platform admin acting in msp sees the same; in its own tenant, the installation instead.
    expect((await report(tokens.platform, 'msp')).allocation).toEqual(msp.allocation);
    const everyTenant = await report(tokens.platform);
    expect(everyTenant.allocation).toBeNull();
    expect(everyTenant.installation).toMatchObject({ events: 16, quota_warning: true, quota_reached: false });
    // msp-client's allocation leaves events_per_month out.
    expect((await report(tokens.msp, 'msp-client')).allocation).toBeNull();
  });

  it('publishes again in a new month', async () => {
    setClock('2031-02-02T10:00:00Z');
    await publish('msp-client', 8);
    setClock('2031-02-02T10:10:00Z');
    expect(await countEverywhere()).toBe(1);
    const feb = (await notices('msp')).slice(2);
    expect(feb).toEqual([
      { ...mspNotice('warning', 8), payload: { ...mspNotice('warning', 8).payload, month: '2031-02' } },
    ]);
  });
});
