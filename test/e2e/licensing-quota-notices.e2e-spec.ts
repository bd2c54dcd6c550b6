// license.quota_warning (80%) and license.quota_reached (100%) of the enforced quotas: the installation's limits into
// the platform tenant's stream, each allocation into its own tenant's stream (an MSSP admin routes them to its own
// endpoint), exactly once per crossing with two workers running the notifier at once, re-armed below the threshold
// and when the limit changes; the real worker process publishes them by itself; the quota gauges match the usage route.
//   platform (platform_admin) · t1..t10 (the installation's tenants quota) · mssp (allocation) ─ customer (allocation)
//                                                                          · mssp2 (allocation) ─ mssp2-child
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { ENFORCED_QUOTAS, PLANS } from '@conduit/licensing';
import { LicenseQuotaNotifier } from '@conduit/licensing/engine';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { MovableClock } from '../support/licenses';
import { TEST_LICENSE_PUBLIC_KEYS, useLicenseTerms } from '../support/test-license';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

type Seeded = { id: string; token: string };
type QuotaEvent = { event_name: string; payload: Record<string, unknown> };

describe('quota notifications and gauges', () => {
  let stack: TestStack;
  let other: NestFastifyApplication;
  let receiver: WebhookReceiver;
  let root: Seeded;
  const t: Record<string, string> = {};

  beforeAll(async () => {
    // The workers' own timers run the notifiers at start only: this test runs them itself, until the last test.
    stack = await startTestStack({ config: { LICENSE_NOTIFY_INTERVAL_MS: String(3600_000) } });
    // A second worker of the same installation.
    other = await createWorkerApp(stack.config, { logger: false, http: false });
    receiver = await startWebhookReceiver();
    t.platform = (await stack.api.seedTenant('platform')).id;
    root = await stack.api.seedUser('platform', 'platform_admin');
    // 10 tenants (the platform tenant is not one of them), plenty of users, no limit on instances.
    await useLicenseTerms(stack.api, { quotas: { tenants: 10, users: 100, instances: null } });
  });
  afterAll(async () => {
    await receiver?.close();
    await other?.close();
    await stack?.close();
  });

  /** Both workers run the quota notifier at once, twice over. */
  async function runEverywhere(): Promise<string[]> {
    const notifiers = [stack.get(LicenseQuotaNotifier), other.get(LicenseQuotaNotifier)];
    const published: string[] = [];
    for (let round = 0; round < 2; round++)
      for (const names of await Promise.all(notifiers.map((n) => n.runOnce()))) published.push(...names);
    return published;
  }

  const quotaEvents = (tenant: string) =>
    stack.api.sql<QuotaEvent>(
      `SELECT event_name, payload FROM webhook_events
        WHERE tenant_id = $1 AND source = 'conduit' AND event_name LIKE 'license.quota%' ORDER BY id`,
      [t[tenant]],
    );
  const standing = () =>
    stack.api.sql<{ scope: string; quota: string; threshold: string; quota_limit: number; published: boolean }>(
      `SELECT scope, quota, threshold, quota_limit::int, event_id IS NOT NULL AS published
         FROM license_quota_notices ORDER BY scope, quota, threshold`,
    );
  const addTenant = async (code: string, parent?: string) => (t[code] = (await stack.api.seedTenant(code, parent)).id);
  const removeTenant = async (code: string) => {
    const res = await stack.api.request('DELETE', `/api/v1/tenants/${t[code]}`, { token: root.token });
    expect(res.status, res.text).toBe(204);
  };
  const allocate = async (who: Seeded, tenant: string, quotas: Record<string, number>) => {
    const res = await stack.api.request('PUT', `/api/v1/tenants/${t[tenant]}/license-allocation`, {
      token: who.token,
      body: { quotas },
    });
    expect(res.status, res.text).toBe(200);
  };
  const installation = (threshold: string, usage: number, limit: number) => ({
    event_name: `license.quota_${threshold}`,
    payload: {
      quota: 'tenants',
      threshold,
      scope: 'installation',
      tenant_id: null,
      tenant_code: null,
      limit,
      usage,
      percent: Math.floor((usage * 100) / limit),
    },
  });

  it("publishes license.quota_warning at 80% and license.quota_reached at 100% of the licence's limit, once each", async () => {
    for (let i = 1; i <= 7; i++) await addTenant(`t${i}`);
    // 7 of 10: nothing.
    expect(await runEverywhere()).toEqual([]);
    await addTenant('t8');
    expect(await runEverywhere()).toEqual(['license.quota_warning']);
    await addTenant('t9');
    expect(await runEverywhere()).toEqual([]);
    await addTenant('t10');
    expect(await runEverywhere()).toEqual(['license.quota_reached']);
    expect(await runEverywhere()).toEqual([]);

    expect(await quotaEvents('platform')).toEqual([installation('warning', 8, 10), installation('reached', 10, 10)]);
    expect(await standing()).toEqual([
      { scope: 'installation', quota: 'tenants', threshold: 'reached', quota_limit: 10, published: true },
      { scope: 'installation', quota: 'tenants', threshold: 'warning', quota_limit: 10, published: true },
    ]);
    // The platform admins read them as events of their own tenant.
    const listed = await stack.api.request('GET', '/api/v1/events?source=conduit', { token: root.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((e: { event_name: string }) => e.event_name).sort()).toEqual([
      'license.quota_reached',
      'license.quota_warning',
    ]);
  });

  it('publishes a threshold again once usage fell below it and came back, or its limit changed', async () => {
    // 9 of 10: reached re-armed, the warning stands.
    await removeTenant('t10');
    expect(await runEverywhere()).toEqual([]);
    expect((await standing()).map((n) => n.threshold)).toEqual(['warning']);
    await addTenant('t10b');
    expect(await runEverywhere()).toEqual(['license.quota_reached']);

    // 7 of 10: both re-armed; back to 8: warned again.
    for (const code of ['t10b', 't9', 't8']) await removeTenant(code);
    expect(await runEverywhere()).toEqual([]);
    expect(await standing()).toEqual([]);
    await addTenant('t8b');
    expect(await runEverywhere()).toEqual(['license.quota_warning']);

    // A renewal with 9 tenants: 8 of 9 is a new crossing of the warning, told with its new limit.
    await useLicenseTerms(stack.api, { quotas: { tenants: 9, users: 100, instances: null } });
    expect(await runEverywhere()).toEqual(['license.quota_warning']);
    expect(await runEverywhere()).toEqual([]);
    // Unlimited: nothing to tell, nothing standing.
    await useLicenseTerms(stack.api, { quotas: { tenants: null, users: 100, instances: null } });
    expect(await runEverywhere()).toEqual([]);
    expect(await standing()).toEqual([]);

    expect((await quotaEvents('platform')).slice(2)).toEqual([
      installation('reached', 10, 10),
      installation('warning', 8, 10),
      installation('warning', 8, 9),
    ]);
  });

  it("publishes an allocation's crossings into its own tenant's stream, where its MSSP admin routes them", async () => {
    await addTenant('mssp');
    await addTenant('customer', 'mssp');
    const msspAdmin = await stack.api.seedUser('mssp', 'mssp_admin');
    await allocate(root, 'mssp', { users: 5 });
    // The MSSP's own endpoint, subscribed to its licence events.
    const sub = await stack.api.request('POST', '/api/v1/subscriptions', {
      token: msspAdmin.token,
      body: { app_name: 'mssp-ops', target_url: receiver.url('/mssp'), event_types: ['license.*'] },
    });
    expect(sub.status, sub.text).toBe(201);

    // Users of the MSSP's subtree: its admin, two in the customer, one more in the MSSP: 4 of 5.
    await stack.api.seedUser('customer', 'viewer', 'a@customer.test');
    expect(await runEverywhere()).toEqual([]);
    await stack.api.seedUser('customer', 'viewer', 'b@customer.test');
    await stack.api.seedUser('mssp', 'analyst', 'c@mssp.test');
    expect(await runEverywhere()).toEqual(['license.quota_warning']);

    const warning = {
      event_name: 'license.quota_warning',
      payload: {
        quota: 'users',
        threshold: 'warning',
        scope: 'tenant',
        tenant_id: t.mssp,
        tenant_code: 'mssp',
        limit: 5,
        usage: 4,
        percent: 80,
      },
    };
    expect(await quotaEvents('mssp')).toEqual([warning]);
    // Not the platform's: its stream has only the installation's five from before.
    expect(await quotaEvents('platform')).toHaveLength(5);
    const listed = await stack.api.request('GET', '/api/v1/events?event_name=license.quota_warning', {
      token: msspAdmin.token,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ ...warning, source: 'conduit' })]);
    const [delivered] = await receiver.waitFor(1, '/mssp');
    expect(JSON.parse(delivered.body)).toMatchObject({ type: 'license.quota_warning', data: warning.payload });

    // The MSSP re-allocates 3 of its users to its customer (2 used: nothing), then a third user there: the customer
    // hears of its allocation in its own stream (80% and 100% at once), the MSSP of its own (5 of 5).
    await allocate(msspAdmin, 'customer', { users: 3 });
    expect(await runEverywhere()).toEqual([]);
    await stack.api.seedUser('customer', 'viewer', 'd@customer.test');
    expect(await runEverywhere()).toEqual(['license.quota_warning', 'license.quota_reached', 'license.quota_reached']);
    expect((await quotaEvents('customer')).map((e) => [e.event_name, e.payload.tenant_code, e.payload.usage])).toEqual([
      ['license.quota_warning', 'customer', 3],
      ['license.quota_reached', 'customer', 3],
    ]);
    expect((await quotaEvents('mssp')).map((e) => [e.event_name, e.payload.usage, e.payload.limit])).toEqual([
      ['license.quota_warning', 4, 5],
      ['license.quota_reached', 5, 5],
    ]);
    expect(await runEverywhere()).toEqual([]);
    await receiver.waitFor(2, '/mssp');

    // Raising the MSSP's allocation to 10 (5 used, 50%) re-arms both of its notices.
    await allocate(root, 'mssp', { users: 10 });
    expect(await runEverywhere()).toEqual([]);
    expect((await standing()).filter((n) => n.scope === t.mssp)).toEqual([]);
  });

  it('exports the limit and the installation-wide usage of each quota, as the usage route counts them', async () => {
    // The API's clock only: the gauges' count is kept for 5 s by it.
    const clock = new MovableClock(stack.api.app);
    const scrape = async () => (await stack.api.request('GET', '/metrics')).text;
    const gauge = (text: string, name: string, quota: string) => {
      const series = `${name}{quota="${quota}"}`;
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const usageRoute = async () => {
      const res = await stack.api.request('GET', '/api/v1/license/usage', { token: root.token });
      expect(res.status).toBe(200);
      return res.body.quotas as { quota: string; limit: number | null; usage: number }[];
    };
    const expectGaugesMatch = (text: string, quotas: { quota: string; limit: number | null; usage: number }[]) => {
      expect(quotas.map((q) => q.quota)).toEqual(ENFORCED_QUOTAS);
      for (const q of quotas) {
        expect(gauge(text, 'conduit_license_quota_usage', q.quota), q.quota).toBe(q.usage);
        // No series for an unlimited quota.
        expect(gauge(text, 'conduit_license_quota_limit', q.quota), q.quota).toBe(q.limit ?? undefined);
      }
    };

    const first = await scrape();
    expect(first).toMatch(/^# TYPE conduit_license_quota_usage gauge/m);
    const before = await usageRoute();
    expectGaugesMatch(first, before);
    expect(before.find((q) => q.quota === 'users')).toMatchObject({ limit: 100 });
    expect(before.find((q) => q.quota === 'instances')).toMatchObject({ limit: null });
    expect(gauge(first, 'conduit_license_quota_limit', 'events_per_month')).toBe(PLANS.trial.quotas.events_per_month);
    const tenants = (before.find((q) => q.quota === 'tenants') as { usage: number }).usage;
    expect(tenants).toBeGreaterThan(0);

    // A new tenant: the count the gauges keep is at most 5 s old (by the clock), then counted again.
    await addTenant('t11');
    expect(gauge(await scrape(), 'conduit_license_quota_usage', 'tenants')).toBe(tenants);
    clock.set(Date.now() + 6000);
    const after = await scrape();
    const now = await usageRoute();
    expect(now.find((q) => q.quota === 'tenants')).toMatchObject({ usage: tenants + 1 });
    expectGaugesMatch(after, now);

    // Every connection of the API's pool busy: a scrape answers at once with the last count (the count waits for a
    // connection in the background, DATABASE_CONNECT_TIMEOUT_MS: 5 s), and then counts again once one is free.
    const pool = (stack.api.app.get<DataSource>(getDataSourceToken()).driver as unknown as { master: Pool }).master;
    await addTenant('t12');
    const held = await Promise.all(Array.from({ length: pool.options.max ?? 10 }, () => pool.connect()));
    try {
      clock.set(Date.now() + 12_000);
      const started = performance.now();
      const busy = await scrape();
      expect(performance.now() - started).toBeLessThan(2000);
      expect(gauge(busy, 'conduit_license_quota_usage', 'tenants')).toBe(tenants + 1);
    } finally {
      for (const client of held) client.release();
    }
    await waitFor('the gauges to count again', async () => {
      clock.set(Date.now() + 24_000);
      return gauge(await scrape(), 'conduit_license_quota_usage', 'tenants') === tenants + 2;
    });
    clock.reset();
  });

  it('is published by the worker process itself within LICENSE_NOTIFY_INTERVAL_MS', async () => {
    await addTenant('mssp2');
    await allocate(root, 'mssp2', { tenants: 1 });
    const worker = await stack.startWorkerProcess({
      LICENSE_NOTIFY_INTERVAL_MS: '1000',
      CONDUIT_LICENSE_PUBLIC_KEYS: TEST_LICENSE_PUBLIC_KEYS,
    });
    await worker.healthy();
    await addTenant('mssp2-child', 'mssp2');
    const events = await waitFor('the worker process to publish', async () => {
      const rows = await quotaEvents('mssp2');
      return rows.length === 2 && rows;
    });
    expect(events.map((e) => [e.event_name, e.payload.usage, e.payload.limit])).toEqual([
      ['license.quota_warning', 1, 1],
      ['license.quota_reached', 1, 1],
    ]);
    // A few more of its passes publish nothing more.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await quotaEvents('mssp2')).toHaveLength(2);
    worker.process.kill('SIGTERM');
    await worker.exited(15_000);
  });
});
