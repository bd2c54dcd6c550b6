// Monthly usage for the licence, end to end on the real API, worker, PostgreSQL and Redis, with the clock of both
// processes moved: events published and received are counted into their tenant and month by the worker's timer, each
// run adds only what is new, the counts outlive a retention sweep, the compliance report (JSON and CSV) shows them to
// platform admins (every tenant, the installation) and MSSP admins (their subtree), bad months are refused, crossing
// 80% and 100% of events_per_month (of an enterprise licence signed here) is published once with two workers, and the
// API's gauge shows the month's total.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { UsageCounter } from '@conduit/licensing/engine';
import { Clock } from '@conduit/platform';
import { RetentionSweeper } from '@conduit/webhooks/engine';
import { csvObjects } from '../support/csv-records';
import { useLicenseTerms } from '../support/test-license';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';

const EVENTS_LIMIT = 10;

describe('licence: monthly usage and the compliance report', () => {
  let stack: TestStack;
  /** A second worker of the installation, for the notifications. */
  let other: NestFastifyApplication;
  let at = Date.now();
  const setClock = (iso: string) => (at = Date.parse(iso));
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  let ingestPath: string;

  /** The app's clock reads the suite's (a fixed time, moved by setClock: figures below are exact). */
  const useSuiteClock = (app: NestFastifyApplication) => {
    app.get(Clock).now = () => new Date(at);
  };
  /** A real worker, on the suite's clock from its first tick on (its usage timer runs at start). */
  const startWorker = async () => {
    const app = await createWorkerApp(stack.config, { logger: false, http: true });
    useSuiteClock(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app;
  };
  const counter = () => stack.get(UsageCounter);

  const publish = async (tenant: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await stack.api.request('POST', '/api/v1/events', {
        token: tokens[tenant],
        body: { event_name: 'order.created', payload: { i } },
      });
      expect(res.status, res.text).toBeLessThan(300);
    }
  };
  const receive = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await stack.api.request('POST', ingestPath, {
        rawBody: JSON.stringify({ kind: 'alert.raised', i }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, res.text).toBe(200);
    }
  };
  const usage = async (tenant: string, month: string) =>
    (
      await stack.api.sql(
        `SELECT events_published::int AS published, events_received::int AS received, peak_users, peak_child_tenants
           FROM license_usage_months WHERE tenant_id = $1 AND month = $2::date`,
        [ids[tenant], `${month}-01`],
      )
    )[0] ?? { published: 0, received: 0, peak_users: 0, peak_child_tenants: 0 };
  const report = async (month: string, token = tokens.platform, tenant?: string) => {
    const res = await stack.api.request('GET', `/api/v1/license/report?month=${month}`, { token, tenant });
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const reportRow = (body: { tenants: { code: string }[] }, code: string) => {
    const row = body.tenants.find((t) => t.code === code);
    if (!row) throw new Error(`no ${code} in the report`);
    return row;
  };

  beforeAll(async () => {
    // The timer's interval is long: besides its tick at start, the suite runs the count itself, in a known order.
    stack = await startTestStack({ worker: false, config: { LICENSE_USAGE_INTERVAL_MS: '3600000' } });
    useSuiteClock(stack.api.app);
    for (const [code, parent] of [['platform'], ['acme'], ['msp'], ['msp-client', 'msp']] as const)
      ids[code] = (await stack.api.seedTenant(code, parent)).id;
    ids.quoted = (
      await stack.api.operator.createTenant({ code: 'quoted', name: '=Quote "Co", Ltd', parentCode: 'msp' })
    ).id;
    tokens.platform = (await stack.api.seedUser('platform', 'platform_admin')).token;
    tokens.msp = (await stack.api.seedUser('msp', 'mssp_admin')).token;
    tokens.acme = (await stack.api.seedUser('acme', 'tenant_admin')).token;
    tokens['msp-client'] = (await stack.api.seedUser('msp-client', 'tenant_admin')).token;
    const source = await stack.api.request('POST', '/api/v1/sources', {
      token: tokens.acme,
      body: { name: 'alerts', provider: 'none', event_type_path: '$.kind' },
    });
    expect(source.status, source.text).toBe(201);
    ingestPath = new URL(source.body.ingest_url).pathname;
    // The suite's months: an enterprise licence for a year from its first day, with a small events_per_month (a
    // trial's million is out of a test's reach).
    setClock('2031-01-20T10:00:00Z');
    await useLicenseTerms(stack.api, { quotas: { events_per_month: EVENTS_LIMIT } });
    const license = await stack.api.request('GET', '/api/v1/license', { token: tokens.platform });
    expect(license.body).toMatchObject({ plan: 'enterprise', quotas: { events_per_month: { limit: EVENTS_LIMIT } } });
  }, 60_000);
  afterAll(async () => {
    await other?.close();
    await stack?.close();
  });

  it("counts events published and received into their tenant and month, in the worker's timer", async () => {
    setClock('2031-01-20T10:00:00Z');
    await publish('acme', 3);
    await publish('msp-client', 2);
    await receive(2);
    setClock('2031-02-03T10:00:00Z');
    await publish('acme', 1);
    await receive(1);
    // Past the settling time; the worker starts (and counts at once), routing the received webhooks too.
    setClock('2031-02-03T10:10:00Z');
    stack.worker = await startWorker();
    await waitFor('the timer counted January', async () => (await usage('acme', '2031-01')).received === 2, 30_000);
    await waitFor('the timer counted February', async () => (await usage('acme', '2031-02')).received === 1, 30_000);

    expect(await usage('acme', '2031-01')).toMatchObject({ published: 3, received: 2 });
    expect(await usage('acme', '2031-02')).toMatchObject({ published: 1, received: 1, peak_users: 1 });
    expect(await usage('msp-client', '2031-01')).toMatchObject({ published: 2, received: 0 });
    expect(await usage('msp', '2031-01')).toMatchObject({ published: 0, received: 0 });
    expect(await usage('msp', '2031-02')).toMatchObject({ peak_users: 1, peak_child_tenants: 2 });
    const [jan] = await stack.api.sql(`SELECT events::int FROM license_installation_months WHERE month = '2031-01-01'`);
    expect(jan.events).toBe(7);
  }, 60_000);

  it('adds only what is new at each run: routed webhooks and its own events are not counted again', async () => {
    // Every received webhook routed into an outgoing event (source inbound:alerts), stamped by the worker's clock.
    await waitFor(
      'routing',
      async () =>
        (await stack.api.sql(`SELECT count(*)::int AS n FROM inbound_events WHERE status = 'routed'`))[0].n === 3,
    );
    setClock('2031-02-03T10:20:00Z');
    await publish('acme', 2);
    await stack.api.seedUser('acme', 'viewer');
    setClock('2031-02-03T10:30:00Z');
    const run = await counter().countOnce();
    expect(run.events).toBe(2);
    expect(await usage('acme', '2031-02')).toMatchObject({ published: 3, received: 1, peak_users: 2 });
    expect(await counter().countOnce()).toMatchObject({ events: 0 });
    expect(await usage('acme', '2031-01')).toMatchObject({ published: 3, received: 2 });
    expect(await usage('acme', '2031-02')).toMatchObject({ published: 3, received: 1 });
    const progress = await stack.api.sql(
      `SELECT source, counted_until FROM license_usage_progress WHERE tenant_id = $1 ORDER BY source`,
      [ids.acme],
    );
    expect(progress.map((p) => [p.source, new Date(p.counted_until).toISOString()])).toEqual([
      ['published', '2031-02-03T10:25:00.000Z'],
      ['received', '2031-02-03T10:25:00.000Z'],
    ]);
  });

  it('reports every tenant and the installation to platform admins, as JSON and as CSV', async () => {
    const jan = await report('2031-01');
    expect(jan).toMatchObject({ month: '2031-01', in_progress: false, scope_tenant_id: null });
    expect(jan.tenants.map((t: { code: string }) => t.code)).toEqual([
      'acme',
      'msp',
      'msp-client',
      'platform',
      'quoted',
    ]);
    expect(reportRow(jan, 'acme')).toEqual({
      tenant_id: ids.acme,
      code: 'acme',
      name: 'Tenant acme',
      parent_id: null,
      events: 5,
      events_published: 3,
      events_received: 2,
      peak_users: 0,
      peak_child_tenants: 0,
    });
    expect(reportRow(jan, 'msp-client')).toMatchObject({ parent_id: ids.msp, events: 2 });
    expect(jan.totals).toEqual({ events: 7, events_published: 5, events_received: 2 });
    expect(jan.installation).toMatchObject({
      events: 7,
      events_per_month_limit: EVENTS_LIMIT,
      percent: 70,
      quota_warning: false,
      quota_reached: false,
    });
    const feb = await report('2031-02');
    expect(feb.in_progress).toBe(true);
    expect(reportRow(feb, 'acme')).toMatchObject({ events: 4, peak_users: 2 });
    expect(reportRow(feb, 'msp')).toMatchObject({ events: 0, peak_users: 1, peak_child_tenants: 2 });

    const csv = await stack.api.request('GET', '/api/v1/license/report?month=2031-01', {
      token: tokens.platform,
      headers: { accept: 'text/csv' },
    });
    expect(csv.status, csv.text).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('vary')).toMatch(/accept/i);
    const lines = csvObjects(csv.text);
    expect(lines.map((l) => [l.scope, l.tenant_code])).toEqual([
      ['tenant', 'acme'],
      ['tenant', 'msp'],
      ['tenant', 'msp-client'],
      ['tenant', 'platform'],
      ['tenant', 'quoted'],
      ['installation', ''],
    ]);
    for (const t of jan.tenants) {
      const line = lines.find((l) => l.tenant_id === t.tenant_id);
      expect(line).toEqual({
        month: '2031-01',
        scope: 'tenant',
        tenant_id: t.tenant_id,
        tenant_code: t.code,
        // A name that would run as a formula is written as text.
        tenant_name: t.name.startsWith('=') ? `'${t.name}` : t.name,
        parent_id: t.parent_id ?? '',
        events: String(t.events),
        events_published: String(t.events_published),
        events_received: String(t.events_received),
        peak_users: String(t.peak_users),
        peak_child_tenants: String(t.peak_child_tenants),
        events_per_month_limit: '',
        quota_reached: '',
      });
    }
    expect(lines.find((l) => l.tenant_code === 'quoted')?.tenant_name).toBe(`'=Quote "Co", Ltd`);
    expect(lines[lines.length - 1]).toMatchObject({
      events: '7',
      events_per_month_limit: String(EVENTS_LIMIT),
      quota_reached: 'false',
    });
    // JSON stays the default, and wins a tie.
    const tie = await stack.api.request('GET', '/api/v1/license/report?month=2031-01', {
      token: tokens.platform,
      headers: { accept: 'text/csv, application/json' },
    });
    expect(tie.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it("shows MSSP admins their subtree only, without the installation's total; others are refused", async () => {
    const jan = await report('2031-01', tokens.msp);
    expect(jan.scope_tenant_id).toBe(ids.msp);
    expect(jan.installation).toBeNull();
    expect(jan.tenants.map((t: { code: string }) => t.code)).toEqual(['msp', 'msp-client', 'quoted']);
    expect(jan.totals).toEqual({ events: 2, events_published: 2, events_received: 0 });
    const csv = await stack.api.request('GET', '/api/v1/license/report?month=2031-01', {
      token: tokens.msp,
      headers: { accept: 'text/csv' },
    });
    expect(csvObjects(csv.text).map((l) => [l.scope, l.tenant_code])).toEqual([
      ['tenant', 'msp'],
      ['tenant', 'msp-client'],
      ['tenant', 'quoted'],
    ]);
    // Acting in a tenant below: that tenant's subtree.
    const below = await report('2031-01', tokens.msp, 'msp-client');
    expect(below.tenants.map((t: { code: string }) => t.code)).toEqual(['msp-client']);
    // A platform admin acting in a tenant: that subtree, no installation either.
    const asMsp = await report('2031-01', tokens.platform, 'msp');
    expect(asMsp).toMatchObject({ scope_tenant_id: ids.msp, installation: null });
    for (const token of [tokens.acme, tokens['msp-client']]) {
      const res = await stack.api.request('GET', '/api/v1/license/report?month=2031-01', { token });
      expect(res.status).toBe(403);
    }
    expect((await stack.api.request('GET', '/api/v1/license/report?month=2031-01')).status).toBe(401);
    const outside = await stack.api.request('GET', '/api/v1/license/report', { token: tokens.msp, tenant: 'acme' });
    expect(outside.status).toBeGreaterThanOrEqual(400);
    expect(outside.status).toBeLessThan(500);
  });

  it('publishes license.quota_warning at 80% and license.quota_reached at 100%, each once a month', async () => {
    other = await startWorker();
    /** Both workers count at once, twice over. */
    const countEverywhere = async () => {
      for (let round = 0; round < 2; round++)
        await Promise.all([counter().countOnce(), other.get(UsageCounter).countOnce()]);
    };
    setClock('2031-03-02T08:00:00Z');
    await publish('acme', 8);
    setClock('2031-03-02T08:10:00Z');
    await countEverywhere();
    const notices = () =>
      stack.api.sql(
        `SELECT event_name, payload FROM webhook_events WHERE tenant_id = $1 AND source = 'conduit' ORDER BY created_at, event_name`,
        [ids.platform],
      );
    expect((await notices()).map((n) => n.event_name)).toEqual(['license.quota_warning']);
    expect((await notices())[0].payload).toEqual({
      quota: 'events_per_month',
      scope: 'installation',
      threshold: 'warning',
      month: '2031-03',
      limit: EVENTS_LIMIT,
      usage: 8,
      percent: 80,
    });

    setClock('2031-03-02T08:20:00Z');
    await publish('msp-client', 3);
    setClock('2031-03-02T08:30:00Z');
    await countEverywhere();
    expect((await notices()).map((n) => [n.event_name, n.payload.usage])).toEqual([
      ['license.quota_warning', 8],
      ['license.quota_reached', 11],
    ]);
    const claims = await stack.api.sql(
      `SELECT threshold, usage::int, quota_limit::int, event_id FROM license_usage_notifications WHERE month = '2031-03-01' ORDER BY threshold`,
    );
    expect(claims).toEqual([
      { threshold: 'reached', usage: 11, quota_limit: EVENTS_LIMIT, event_id: expect.any(String) },
      { threshold: 'warning', usage: 8, quota_limit: EVENTS_LIMIT, event_id: expect.any(String) },
    ]);
    // Conduit's own events are not usage.
    expect(await usage('platform', '2031-03')).toMatchObject({ published: 0, received: 0 });

    const march = await report('2031-03');
    expect(march.installation).toMatchObject({
      events: 11,
      events_per_month_limit: EVENTS_LIMIT,
      percent: 110,
      quota_warning: true,
      quota_reached: true,
      quota_warning_at: '2031-03-02T08:10:00.000Z',
      quota_reached_at: '2031-03-02T08:30:00.000Z',
    });
    // GET /api/v1/license shows the same usage of events_per_month (this month's, as counted).
    const license = await stack.api.request('GET', '/api/v1/license', { token: tokens.platform });
    expect(license.body.quotas.events_per_month).toEqual({ limit: EVENTS_LIMIT, used: 11 });
    // Nothing was dropped.
    expect(reportRow(march, 'acme')).toMatchObject({ events_published: 8 });
    expect(reportRow(march, 'msp-client')).toMatchObject({ events_published: 3 });
  });

  it('shows the installation total of this month in the API gauge', async () => {
    // A scrape answers the value read last and reads it again (in the background) for the next one.
    await waitFor('the gauge', async () => {
      const metrics = await stack.api.request('GET', '/metrics');
      expect(metrics.status).toBe(200);
      return /^conduit_license_events_this_month 11$/m.test(metrics.text);
    });
  });

  it('keeps the counts when retention deletes the events', async () => {
    const before = await Promise.all(['2031-01', '2031-02', '2031-03'].map((m) => report(m)));
    const swept = await stack.get(RetentionSweeper).sweepRetentionOnce(new Date('2031-06-01T00:00:00Z'));
    expect(swept.deleted).toBeGreaterThanOrEqual(20);
    const [{ n }] = await stack.api.sql(`SELECT count(*)::int AS n FROM webhook_events`);
    expect(n).toBe(0);
    setClock('2031-03-02T09:00:00Z');
    expect(await counter().countOnce()).toMatchObject({ events: 0 });
    const after = await Promise.all(['2031-01', '2031-02', '2031-03'].map((m) => report(m)));
    const figures = (reports: { tenants: unknown[]; installation: unknown; totals: unknown }[]) =>
      reports.map((r) => ({ tenants: r.tenants, installation: r.installation, totals: r.totals }));
    expect(figures(after)).toEqual(figures(before));
  });

  it('refuses a bad month with 400 invalid_report_month and writes nothing', async () => {
    const tables = [
      'license_usage_months',
      'license_usage_progress',
      'license_installation_months',
      'license_usage_notifications',
      'audit_events',
    ];
    const snapshot = () =>
      Promise.all(
        tables.map(async (t) => (await stack.api.sql(`SELECT count(*)::int AS n, max(xmin::text) AS x FROM ${t}`))[0]),
      );
    const before = await snapshot();
    // The clock is in March 2031: April is in the future.
    for (const month of [
      '2031-04',
      '2031-13',
      '2031-1',
      '31-01',
      'january',
      '2031-01-01',
      '1999-12',
      '%20',
      '2031-03%0A',
    ]) {
      for (const accept of ['application/json', 'text/csv']) {
        const res = await stack.api.request('GET', `/api/v1/license/report?month=${month}`, {
          token: tokens.platform,
          headers: { accept },
        });
        expect(res.status, `${month} ${res.text}`).toBe(400);
        expect(res.body.error.code, month).toBe('invalid_report_month');
      }
    }
    const twice = await stack.api.request('GET', '/api/v1/license/report?month=2031-01&month=2031-02', {
      token: tokens.platform,
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.code).toBe('validation_failed');
    expect(await snapshot()).toEqual(before);
    // Without a month: the current one.
    expect((await stack.api.request('GET', '/api/v1/license/report', { token: tokens.platform })).body.month).toBe(
      '2031-03',
    );
  });

  it('documents both media types and the errors in Swagger', async () => {
    const doc = (await stack.api.request('GET', '/docs-json')).body;
    const op = doc.paths['/api/v1/license/report'].get;
    expect(Object.keys(op.responses['200'].content).sort()).toEqual(['application/json', 'text/csv']);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403']);
    expect(op.responses['400'].description).toMatch(/invalid_report_month/);
  });

  it('starts the gauge again at 0 in a new month', async () => {
    setClock('2031-04-01T00:00:00Z');
    // A new month's value is never last month's, even before it is read.
    expect((await stack.api.request('GET', '/metrics')).text).toMatch(/^conduit_license_events_this_month 0$/m);
  });
});
