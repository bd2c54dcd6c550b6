// Dedicated-database tenants (issue 21 point 2): with the API and the worker running, a representative flow of every
// domain for a tenant whose database is its own (a second database of the local cluster): a published event delivered
// signed, an inbound webhook received and routed, a chain run with a task step, a task run against a fake tool, cases
// polled from a fake SIEM and a manual case, a monitor's checks, analytics and their rollups, export and import, audit
// reads, and an MSSP parent acting in it with X-Tenant-Id. Then not one row of that tenant in a tenant-owned table of
// the core database (control plane aside), and rows of each domain in its own database. Retention sweeps it there.
// The receive path finds a dedicated tenant's source in its database (through the core database's source directory),
// also while another dedicated database is away.
import { Webhook } from 'standardwebhooks';
import { AnalyticsRollups, TenantDatabases } from '@conduit/database';
import { RetentionSweeper } from '@conduit/webhooks/engine';
import { TaskRunRetention } from '@conduit/tasks/engine';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';
import { ADMIN_URL, databaseUrl, dropDatabase, sqlIn, tenantRows, withAdminClient } from '../support/postgres-admin';
import { PgWireProxy } from '../support/pg-wire-proxy';
import { liftQuotas } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
const TOOL_TOKEN = 'tool-bearer-token-7f1e';

const json = (body: unknown, status = 200) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('dedicated-database tenants: every domain routed, zero rows in the core database', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let dedicatedName: string;
  let dedi: { id: string };
  let shared: { id: string };
  let admin: { token: string };
  let sharedAdmin: { token: string };
  let msspAdmin: { token: string };
  let subscription: { id: string; secret: string };
  let instanceId: string;
  let siemInstanceId: string;
  let root: string;

  beforeAll(async () => {
    stack = await startTestStack({
      config: {
        DEDICATED_DATABASE_HOSTS: '127.0.0.1',
        DEDICATED_POOL_SIZE: '4',
        CASE_INGESTION_SWEEP_INTERVAL_MS: '200',
        MONITOR_MIN_INTERVAL_SECONDS: '1',
        MONITOR_TICK_MS: '100',
        WEBHOOK_TIMEOUT_MS: '3000',
      },
    });
    receiver = await startWebhookReceiver();
    const api = stack.api;
    dedicatedName = `${api.db.name}_dom`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${dedicatedName}"`));
    await liftQuotas(api);
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = (await api.login('root@platform.test', PASSWORD)).access_token;
    await api.seedTenant('mssp');
    dedi = await api.seedTenant('dedi', 'mssp');
    shared = await api.seedTenant('shared');
    // Users first: one added after the switch cannot sign in yet (a known gap of the control plane, another slice).
    admin = await api.seedUser('dedi', 'tenant_admin');
    sharedAdmin = await api.seedUser('shared', 'tenant_admin');
    msspAdmin = await api.seedUser('mssp', 'mssp_admin');
    const switched = await api.request('PUT', `/api/v1/tenants/${dedi.id}/isolation`, {
      token: root,
      body: { isolation: 'dedicated', database_url: databaseUrl(dedicatedName) },
    });
    expect(switched.status, switched.text).toBe(200);
    // The worker's registry learns of the switch on its next read (every 5 s); make it now.
    await stack.get(TenantDatabases).refresh();

    receiver.respond(() => json({ verdict: 'malicious', score: 97 }), '/tool/ip/203.0.113.7');
    receiver.respond(() => json({ ticket: 'T-1' }, 201), '/hooks');
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
    if (dedicatedName) await withAdminClient((client) => dropDatabase(client, dedicatedName));
  });

  const request = (method: string, path: string, body?: unknown, token = admin.token) =>
    stack.api.request(method, path, { token, body });
  async function created(method: string, path: string, body: unknown, status = 201) {
    const res = await request(method, path, body);
    expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
    return res.body;
  }
  /** Raw SQL as the owner in the dedicated database (bypasses RLS). */
  const dedicatedSql = <R = Record<string, any>>(sql: string, params: unknown[] = []) =>
    sqlIn<R>(dedicatedName, sql, params);
  const coreSql = (sql: string, params?: unknown[]) => stack.api.sql(sql, params);
  const dedSql = (sql: string, params?: unknown[]) => dedicatedSql(sql, params);

  it('publishes an event and the worker delivers it to the subscriber, signed', async () => {
    subscription = await created('POST', '/api/v1/subscriptions', {
      app_name: 'ops',
      target_url: receiver.url('/hooks'),
      event_types: ['order.*', 'chain.step'],
    });
    const event = await created('POST', '/api/v1/events', { event_name: 'order.created', payload: { total: 5 } }, 202);
    const [delivered] = await receiver.waitFor(1, '/hooks');
    expect(JSON.parse(delivered.body)).toMatchObject({ type: 'order.created', data: { total: 5 } });
    expect(() =>
      new Webhook(subscription.secret).verify(delivered.body, delivered.headers as Record<string, string>),
    ).not.toThrow();
    await waitFor('the delivery recorded as sent', async () => {
      const detail = await request('GET', `/api/v1/events/${event.id}`);
      return detail.body.deliveries?.[0]?.status === 'delivered';
    });
  });

  it('receives an inbound webhook on its source and routes it into the fan-out', async () => {
    const source = await created('POST', '/api/v1/sources', {
      name: 'partner',
      provider: 'none',
      event_type_path: '$.kind',
    });
    const before = receiver.to('/hooks').length;
    const res = await stack.api.request('POST', new URL(source.ingest_url).pathname, {
      rawBody: '{"kind":"order.inbound","n":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status, res.text).toBe(200);
    const routed = await waitFor('routed', async () => {
      const e = await request('GET', `/api/v1/inbound-events/${res.body.event_id}`);
      return e.body.status === 'routed' ? e.body : null;
    });
    expect(routed.event_type).toBe('order.inbound');
    const got = await receiver.waitFor(before + 1, '/hooks');
    expect(got.map((r) => JSON.parse(r.body).type)).toContain('order.inbound');
  });

  it('runs a chain with a task step against a tool on 127.0.0.1, and a task run of its own', async () => {
    const integration = await created('POST', '/api/v1/integrations', { title: 'Threat Intel' });
    await created('POST', `/api/v1/integrations/${integration.id}/tasks`, {
      name: 'Enrich IP',
      task_tag: 'enrich_ip',
      input_fields: [{ name: 'ip', label: 'IP', type: 'text', required: true }],
      request: { method: 'GET', path: '/ip/{{input.ip}}' },
      output_fields: [{ name: 'verdict', path: '$.verdict', type: 'string' }],
    });
    const instance = await created('POST', '/api/v1/instances', {
      integration_uuid: integration.id,
      title: 'Intel',
      base_url: receiver.url('/tool'),
      auth: { type: 'bearer', token: TOOL_TOKEN },
    });
    instanceId = instance.id;
    await created('POST', '/api/execution-chains', {
      name: 'Enrich then ticket',
      trigger_event: 'alert.raised',
      steps: [
        {
          type: 'task',
          name: 'Enrich',
          instance_id: instanceId,
          task_tag: 'enrich_ip',
          input: { ip: '{{trigger_data.ip}}' },
        },
        {
          webhook_id: subscription.id,
          name: 'Ticket',
          condition: 'step_1.outputs.verdict == "malicious"',
          request_params: { verdict: '{{.step_1.outputs.verdict}}' },
        },
      ],
    });
    const published = await created(
      'POST',
      '/api/v1/events',
      { event_name: 'alert.raised', payload: { ip: '203.0.113.7' } },
      202,
    );
    const runId = await waitFor('the chain run', async () => {
      const rows = await dedicatedSql<{ id: string }>(
        `SELECT id FROM execution_chain_runs WHERE trigger_event_id = $1`,
        [published.id],
      );
      return rows[0]?.id;
    });
    const run = await waitFor(
      'the chain run to end',
      async () => {
        const r = await request('GET', `/api/v1/chain-runs/${runId}`);
        return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
      },
      20_000,
    );
    expect(run.status, JSON.stringify(run)).toBe('completed');
    expect(run.step_runs.map((s: { status: string }) => s.status)).toEqual(['sent', 'sent']);
    expect(receiver.to('/tool/ip/203.0.113.7')[0].headers.authorization).toBe(`Bearer ${TOOL_TOKEN}`);

    const started = await created(
      'POST',
      `/api/v1/instances/${instanceId}/tasks/enrich_ip/runs`,
      { input: { ip: '203.0.113.7' } },
      202,
    );
    const done = await waitFor('the task run to end', async () => {
      const r = await request('GET', `/api/v1/task-runs/${started.id}`);
      return ['success', 'failure'].includes(r.body.status) ? r.body : undefined;
    });
    expect(done).toMatchObject({ status: 'success', outputs: { verdict: 'malicious' } });
  });

  it('polls cases from a fake SIEM and keeps a manual case', async () => {
    const now = Date.now();
    receiver.respond(
      () =>
        json({
          alerts: [
            { id: 'a-1', ts: new Date(now - 60_000).toISOString(), host: 'web-1', level: 'high' },
            { id: 'a-2', ts: new Date(now - 30_000).toISOString(), host: 'web-1', level: 'high' },
          ],
        }),
      '/siem/alerts',
    );
    const integration = await created('POST', '/api/v1/integrations', { title: 'SIEM' });
    await created('POST', `/api/v1/integrations/${integration.id}/tasks`, {
      name: 'Pull alerts',
      task_tag: 'pull_alerts',
      request: { method: 'GET', path: '/alerts', query: { start: '{{input.start}}', end: '{{input.end}}' } },
      input_fields: [
        { name: 'start', label: 'start', type: 'text' },
        { name: 'end', label: 'end', type: 'text' },
      ],
      output_fields: [{ name: 'alerts', path: '$.alerts', type: 'any', is_array: true }],
      ingest_cases: true,
      case_ingestion_config: {},
    });
    const instance = await created('POST', '/api/v1/instances', {
      integration_uuid: integration.id,
      title: 'SIEM',
      base_url: receiver.url('/siem'),
    });
    siemInstanceId = instance.id;
    const settings = await request('PUT', `/api/v1/instances/${siemInstanceId}/ingestion`, {
      task_tag: 'pull_alerts',
      interval_seconds: 1,
      first_fetch: 3600,
      lookback_seconds: 120,
      settle_seconds: 0,
      page_size: 50,
      max_items_per_run: 100,
      items_path: '$.alerts',
      pagination: { type: 'none' },
      field_mapping: {
        external_id: '$.id',
        title: '$.host',
        severity: '$.level',
        occurred_at: '$.ts',
        case_key: '$.host',
      },
      correlation_window_seconds: 3600,
    });
    expect(settings.status, settings.text).toBe(200);
    await waitFor(
      'both alerts stored as one case',
      async () => {
        const cases = await request('GET', '/api/v1/cases?limit=50');
        const polled = cases.body.data?.find((c: { source: string }) => c.source !== 'manual');
        return polled?.event_count === 2 ? polled : undefined;
      },
      20_000,
    );
    const manual = await created('POST', '/api/v1/cases', { title: 'Phishing wave', severity: 'high' });
    expect((await request('GET', `/api/v1/cases/${manual.id}`)).body).toMatchObject({ title: 'Phishing wave' });
  });

  it("records a monitor's checks", async () => {
    const monitor = await created('POST', '/api/v1/monitors', {
      name: 'Tool up',
      url: receiver.url('/health'),
      interval_seconds: 1,
      timeout_ms: 800,
    });
    await waitFor('a check', async () => {
      const checks = await request('GET', `/api/v1/monitors/${monitor.id}/checks?limit=5`);
      return checks.body.data?.length > 0;
    });
  });

  it('answers analytics from its database, rolled up there too', async () => {
    await stack.get(AnalyticsRollups).rollUpOnce();
    const since = new Date(Date.now() - 3600_000).toISOString();
    const deliveries = await request('GET', `/api/v1/analytics/deliveries?since=${since}`);
    expect(deliveries.status, deliveries.text).toBe(200);
    expect(JSON.stringify(deliveries.body)).toContain(subscription.id);
    const chains = await request('GET', `/api/v1/analytics/chains?since=${since}`);
    expect(chains.status, chains.text).toBe(200);
    expect(JSON.stringify(chains.body)).toContain('Enrich then ticket');
  });

  it('exports its configuration and imports one, both in its database', async () => {
    const doc = await request('POST', '/api/v1/transfer/export', {
      include: ['chains', 'subscriptions', 'inbound_sources', 'monitors'],
    });
    expect(doc.status, doc.text).toBe(200);
    const titles = (doc.body.apps as { integration: { title: string } }[]).map((a) => a.integration.title).sort();
    expect(titles).toEqual(['SIEM', 'Threat Intel']);
    for (const name of ['Enrich then ticket', 'Tool up', 'partner']) expect(doc.text).toContain(name);
    // A shared tenant's configuration, imported into the dedicated tenant.
    await stack.api.request('POST', '/api/v1/integrations', {
      token: sharedAdmin.token,
      body: { title: 'From shared' },
    });
    const other = await stack.api.request('POST', '/api/v1/transfer/export', {
      token: sharedAdmin.token,
      body: {},
    });
    expect(other.status, other.text).toBe(200);
    const imported = await request('POST', '/api/v1/transfer/import', {
      document: other.body,
      import_type: 'overwrite',
    });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.body.counts).toMatchObject({ create: 1, error: 0 });
    const list = await request('GET', '/api/v1/integrations?limit=50');
    expect(list.body.data.map((i: { title: string }) => i.title)).toContain('From shared');
  });

  it('reads its audit trail', async () => {
    const audit = await request('GET', '/api/v1/audit-events?limit=100');
    expect(audit.status, audit.text).toBe(200);
    const actions = audit.body.data.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['integration.create', 'subscription.create', 'case.create']));
  });

  it("lets an MSSP parent (shared) read and write the child's database with X-Tenant-Id", async () => {
    const made = await stack.api.request('POST', '/api/v1/integrations', {
      token: msspAdmin.token,
      tenant: dedi.id,
      body: { title: 'By the parent' },
    });
    expect(made.status, made.text).toBe(201);
    const list = await stack.api.request('GET', '/api/v1/integrations?limit=50', {
      token: msspAdmin.token,
      tenant: dedi.id,
    });
    expect(list.body.data.map((i: { title: string }) => i.title)).toEqual(
      expect.arrayContaining(['Threat Intel', 'SIEM', 'By the parent']),
    );
    expect(
      await dedicatedSql(`SELECT 1 FROM integrations WHERE title = 'By the parent' AND tenant_id = $1`, [dedi.id]),
    ).toHaveLength(1);
  });

  it("leaves not one row of the tenant in the core database's tenant tables; its own database has each domain's", async () => {
    expect(await tenantRows(coreSql, dedi.id)).toEqual({});
    // And the other way round: nothing of the shared tenant (whose document was imported) in the dedicated database.
    expect(await tenantRows(dedSql, shared.id)).toEqual({});
    const own = await tenantRows(dedSql, dedi.id);
    for (const table of [
      'webhook_subscriptions',
      'webhook_events',
      'webhook_deliveries',
      'inbound_sources',
      'inbound_events',
      'integrations',
      'tasks',
      'integration_instances',
      'execution_chains',
      'execution_chain_runs',
      'task_runs',
      'instance_ingestion',
      'cases',
      'case_events',
      'monitors',
      'monitor_checks',
    ])
      expect(own[table] ?? 0, table).toBeGreaterThan(0);
  });

  it('sweeps retention in its database', async () => {
    const before = (await dedicatedSql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events`))[0].n;
    // Retention keeps unfinished runs, and the instance's ingestion (every second) may be running one at the sweep.
    const finishedRuns = async () =>
      (
        await dedicatedSql<{ n: number }>(
          `SELECT count(*)::int AS n FROM task_runs WHERE status NOT IN ('queued', 'running')`,
        )
      )[0].n;
    expect(await finishedRuns()).toBeGreaterThan(0);
    const later = new Date(Date.now() + 400 * 86400_000);
    await stack.get(RetentionSweeper).sweepRetentionOnce(later);
    await stack.get(TaskRunRetention).sweepOnce(later);
    const after = (await dedicatedSql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events`))[0].n;
    expect(before).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
    expect(await finishedRuns()).toBe(0);
    expect(await tenantRows(coreSql, dedi.id)).toEqual({});
  });
  it("finds a dedicated tenant's source while another dedicated database is away; an unknown key is 404 (the directory)", async () => {
    const downName = `${stack.api.db.name}_away`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${downName}"`));
    const cluster = new URL(ADMIN_URL);
    const proxy = await PgWireProxy.start({ host: cluster.hostname, port: Number(cluster.port || 5432) });
    try {
      const down = await stack.api.seedTenant('away');
      const url = new URL(databaseUrl(downName));
      url.port = String(proxy.port);
      const switched = await stack.api.request('PUT', `/api/v1/tenants/${down.id}/isolation`, {
        token: root,
        body: { isolation: 'dedicated', database_url: url.toString() },
      });
      expect(switched.status, switched.text).toBe(200);
      await proxy.close();
      const receive = (path: string) =>
        stack.api.request('POST', path, {
          rawBody: '{"kind":"order.inbound","n":2}',
          headers: { 'content-type': 'application/json' },
        });
      // A source of the dedicated tenant made now (nothing cached): found in its database.
      const source = await created('POST', '/api/v1/sources', {
        name: 'later',
        provider: 'none',
        event_type_path: '$.kind',
      });
      const ok = await receive(new URL(source.ingest_url).pathname);
      expect(ok.status, ok.text).toBe(200);
      // A shared tenant's source: found in the core database, as before.
      const sharedSource = await stack.api.request('POST', '/api/v1/sources', {
        token: sharedAdmin.token,
        body: { name: 'shared-src', provider: 'none', event_type_path: '$.kind' },
      });
      expect((await receive(new URL(sharedSource.body.ingest_url).pathname)).status).toBe(200);
      // A key the core database's source directory does not know: no database holds it, whichever is away.
      const unknown = await receive(`/api/v1/webhook/none/${'k'.repeat(32)}`);
      expect({ status: unknown.status, code: unknown.body.error?.code }).toEqual({
        status: 404,
        code: 'source_not_found',
      });
    } finally {
      await proxy.close().catch(() => undefined);
      await withAdminClient((client) => dropDatabase(client, downName));
    }
  });
});
