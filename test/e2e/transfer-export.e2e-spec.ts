// The export (issue 20 point 1): a tenant with an integration (a secret field, a logo, tasks naming each other by tag,
// an ingestion task with dependent tasks), an instance holding secrets (a secret field, OAuth client credentials) and
// polling ingestion, a subscription with a secret header, a chain credential, a chain with a webhook and a task step,
// an inbound source and a monitor. No secret value (nor any word of one) is in the document; references are names;
// the checksum is the canonical one; each body is accepted by its create route in an empty tenant, and exporting that
// tenant gives the same document but for exported_at, source and checksum. Also the seed route, unknown ids, bad
// bodies, the roles, the audit row (kinds and counts, no content) and the licence feature.
import { TRANSFER_VERSION, documentChecksum } from '@conduit/transfer';
import type { TransferDocument } from '@conduit/transfer';
import { FEATURES } from '@conduit/licensing';
import { TestApi, startTestApi } from '../support/test-api';
import { useLicenseTerms } from '../support/test-license';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

// Each secret set below; the document must hold none of them, nor any word of one.
const SECRETS = {
  field: 'fieldsecret-Qw7Rt9Yp2Lk4',
  clientId: 'clientid-Hn3Jd8Vb5Mx1',
  clientSecret: 'clientsecret-Zs6Fg2Kc9Wq7',
  header: 'Token headersecret-Pb4Nx8Tr3Ge5',
  credential: 'credentialsecret-Ua9Lm2Dv6Ks8',
  source: 'whsec_sourcesecret-Ey5Co1Bi7Rf3',
};

const FIELDS = [
  { name: 'index', type: 'text', default: 'main' },
  { name: 'region', type: 'select', options: ['eu', 'us'], required: true },
  { name: 'api_token', type: 'secret', required: true },
];

const INGESTION = {
  task_tag: 'pull_alerts',
  interval_seconds: 600,
  items_path: '$.alerts',
  pagination: { type: 'token', next_path: '$.next', param: 'page_token' },
  field_mapping: { external_id: '$.id', title: '$.rule', severity: '$.level', occurred_at: '$.ts', case_key: '$.host' },
};

type Doc = TransferDocument & Record<string, unknown>;
type Json = Record<string, any>;

describe('transfer export', () => {
  let api: TestApi;
  let admin: { token: string; id: string };
  let analyst: { token: string };
  let other: { token: string };
  let integrationId: string;
  let integrationSeq: number;
  const shown: string[] = [];

  const as = (token: string) => ({
    post: (path: string, body: unknown) => api.request('POST', path, { token, body }),
    put: (path: string, body: unknown) => api.request('PUT', path, { token, body }),
  });

  beforeAll(async () => {
    api = await startTestApi();
    await api.seedTenant('acme');
    await api.seedTenant('globex');
    admin = await api.seedUser('acme', 'tenant_admin');
    analyst = await api.seedUser('acme', 'analyst');
    other = await api.seedUser('globex', 'tenant_admin');
    const acme = as(admin.token);

    const integration = await acme.post('/api/v1/integrations', {
      title: 'SIEM',
      category: 'SIEM',
      fields: FIELDS,
      metadata: { vendor: 'Acme' },
    });
    expect(integration.status, integration.text).toBe(201);
    integrationId = integration.body.id;
    integrationSeq = integration.body.integration_id;
    const logo = await fetch(`${api.baseUrl}/api/v1/integrations/${integrationId}/logo`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(logo.status).toBe(200);
    const tasks = [
      { name: 'Login', task_tag: 'login', request: { method: 'POST', path: '/login' } },
      {
        name: 'Get alert',
        task_tag: 'get_alert',
        depends_on: ['login'],
        input_fields: [{ name: 'alert_id', type: 'text', required: true }],
        request: { method: 'GET', path: '/alerts/{{input.alert_id}}', headers: { 'X-Region': '{{instance.region}}' } },
      },
      {
        name: 'Pull alerts',
        task_tag: 'pull_alerts',
        depends_on: ['login'],
        ingest_cases: true,
        case_ingestion_config: { dependent_tasks: ['get_alert'] },
        input_fields: ['start', 'end', 'page_size', 'page_token'].map((name) => ({ name, type: 'text' })),
        output_fields: [{ name: 'alerts', path: '$.alerts', type: 'any', is_array: true }],
        request: {
          method: 'GET',
          path: '/alerts',
          query: { start: '{{input.start}}', end: '{{input.end}}', page_token: '{{input.page_token}}' },
        },
      },
    ];
    for (const task of tasks) {
      const res = await acme.post(`/api/v1/integrations/${integrationId}/tasks`, task);
      expect(res.status, res.text).toBe(201);
    }
    const instance = await acme.post('/api/v1/instances', {
      integration_uuid: integrationId,
      title: 'SIEM production',
      base_url: 'https://siem.example.com',
      fields: { region: 'eu', api_token: SECRETS.field },
      auth: {
        type: 'oauth2_client_credentials',
        client_id: SECRETS.clientId,
        client_secret: SECRETS.clientSecret,
        token_url: 'https://idp.example.com/token',
        scope: 'alerts:read',
      },
      rate_limit: { max: 10, per_seconds: 60 },
    });
    expect(instance.status, instance.text).toBe(201);
    const ingestion = await acme.put(`/api/v1/instances/${instance.body.id}/ingestion`, INGESTION);
    expect(ingestion.status, ingestion.text).toBe(200);

    const subscription = await acme.post('/api/v1/subscriptions', {
      app_name: 'ticketing',
      target_url: 'https://hooks.example.com/tickets',
      event_types: ['alert.*'],
      headers: { Authorization: SECRETS.header },
      retry_schedule: [0, 60],
    });
    expect(subscription.status, subscription.text).toBe(201);
    shown.push(subscription.body.secret);
    const credential = await acme.post('/api/v1/credentials', {
      name: 'ticket_key',
      value: SECRETS.credential,
      allowed_hosts: ['hooks.example.com'],
      description: 'Ticketing key',
    });
    expect(credential.status, credential.text).toBe(201);
    const chain = await acme.post('/api/v1/chains', {
      name: 'Triage',
      trigger_event: 'alert.raised',
      steps: [
        {
          type: 'task',
          name: 'Details',
          instance_id: instance.body.id,
          task_tag: 'get_alert',
          input: { alert_id: '{{trigger_data.id}}' },
        },
        {
          name: 'Ticket',
          webhook_id: subscription.body.id,
          request_params: { alert: '{{trigger_data.id}}' },
          headers: { 'X-Key': '{{credentials.ticket_key}}' },
        },
      ],
    });
    expect(chain.status, chain.text).toBe(201);
    const source = await acme.post('/api/v1/sources', {
      name: 'stripe-payments',
      provider: 'stripe',
      secret: SECRETS.source,
      event_type_path: '$.type',
      allowed_cidrs: ['203.0.113.0/24'],
    });
    expect(source.status, source.text).toBe(201);
    const monitor = await acme.post('/api/v1/monitors', {
      name: 'SIEM health',
      url: 'https://siem.example.com/health',
      interval_seconds: 60,
      expected_status: '200-299',
    });
    expect(monitor.status, monitor.text).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
  });

  const exportAll = (token = admin.token) =>
    as(token).post('/api/v1/transfer/export', {
      include: ['chains', 'subscriptions', 'inbound_sources', 'monitors'],
    });

  it('exports every kind without a secret value or any word of one', async () => {
    const res = await exportAll();
    expect(res.status, res.text).toBe(200);
    const text = res.text;
    for (const secret of [...Object.values(SECRETS), ...shown]) {
      expect(text).not.toContain(secret);
      for (const word of secret.split(/[^A-Za-z0-9]+/).filter((w) => w.length >= 8)) expect(text).not.toContain(word);
    }
    const doc = res.body as Doc;
    expect(doc).toMatchObject({ format: 'conduit.export', version: TRANSFER_VERSION, source: { tenant_code: 'acme' } });
    expect(doc.source.installation).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(doc.exported_at)).toBeGreaterThan(Date.now() - 60_000);
    // No id, seq number or timestamp of the tenant's rows.
    expect(text).not.toContain(integrationId);
    expect(text).not.toMatch(/"(id|tenant_id|integration_uuid|task_id|instance_id|webhook_id|created_at)":/);
  });

  it('writes references by name, the instance as a stub, the logo in base64 and a checksum that verifies', async () => {
    const doc = (await exportAll()).body as Doc;
    expect(doc.checksum).toEqual({ algorithm: 'sha256', value: documentChecksum(doc) });
    const tampered = { ...doc, apps: [] };
    expect(documentChecksum(tampered)).not.toBe(doc.checksum.value);

    const [app] = doc.apps;
    expect(app.integration).toMatchObject({ title: 'SIEM', fields: FIELDS.map((f) => ({ ...f })) as unknown });
    expect(app.logo).toEqual({ content_type: 'image/png', base64: PNG.toString('base64') });
    expect(app.tasks.map((t) => t.task_tag)).toEqual(['get_alert', 'login', 'pull_alerts']);
    expect(app.tasks[2]).toMatchObject({
      depends_on: ['login'],
      case_ingestion_config: { dependent_tasks: ['get_alert'] },
    });
    expect(app.instances).toEqual([
      {
        title: 'SIEM production',
        base_url: 'https://siem.example.com',
        fields: { region: 'eu' },
        auth: { type: 'oauth2_client_credentials', token_url: 'https://idp.example.com/token', scope: 'alerts:read' },
        rate_limit: { max: 10, per_seconds: 60 },
        status: 'active',
        ingestion: expect.objectContaining({ task_tag: 'pull_alerts', items_path: '$.alerts' }),
        secrets_required: ['fields.api_token', 'auth.client_id', 'auth.client_secret'],
      },
    ]);
    const [chain] = doc.chains as Json[];
    expect(chain.steps[0]).toMatchObject({
      type: 'task',
      instance: { integration: 'SIEM', title: 'SIEM production' },
      task_tag: 'get_alert',
    });
    expect(chain.steps[1]).toMatchObject({
      type: 'webhook',
      subscription: 'ticketing',
      headers: { 'X-Key': '{{credentials.ticket_key}}' },
    });
    expect(doc.chain_credentials).toEqual([
      {
        name: 'ticket_key',
        description: 'Ticketing key',
        allowed_hosts: ['hooks.example.com'],
        secrets_required: ['value'],
      },
    ]);
    expect(doc.subscriptions).toEqual([
      expect.objectContaining({
        name: 'ticketing',
        app_name: 'ticketing',
        secrets_required: ['headers.Authorization'],
      }),
    ]);
    expect((doc.subscriptions as Json[])[0]).not.toHaveProperty('headers');
    expect(doc.inbound_sources).toEqual([
      expect.objectContaining({ name: 'stripe-payments', provider: 'stripe', event_type_path: '$.type' }),
    ]);
    expect((doc.inbound_sources as Json[])[0]).not.toHaveProperty('secret');
    expect(doc.monitors).toEqual([
      expect.objectContaining({ name: 'SIEM health', url: 'https://siem.example.com/health' }),
    ]);
  });

  it('answers the seed route by integer ids, the REST one by UUID, and carries only what include asks', async () => {
    const seed = await as(admin.token).post('/apps/v1/app/export', { integration_ids: [integrationSeq] });
    expect(seed.status, seed.text).toBe(200);
    expect(seed.body.apps.map((a: Json) => a.integration.title)).toEqual(['SIEM']);
    for (const kind of ['chains', 'chain_credentials', 'subscriptions', 'inbound_sources', 'monitors'])
      expect(seed.body).not.toHaveProperty(kind);
    const byUuid = await as(admin.token).post('/api/v1/transfer/export', {
      integration_ids: [integrationId],
      include: ['monitors'],
    });
    expect(byUuid.status).toBe(200);
    expect(Object.keys(byUuid.body).sort()).toEqual(
      ['apps', 'checksum', 'exported_at', 'format', 'monitors', 'source', 'version'].sort(),
    );
    // Another tenant exports its own (nothing here), never acme's.
    const globex = await as(other.token).post('/api/v1/transfer/export', {});
    expect(globex.status).toBe(200);
    expect(globex.body.apps).toEqual([]);
  });

  it('refuses unknown ids with 404 export_not_found naming each, and bad bodies with 400', async () => {
    const res = await as(admin.token).post('/apps/v1/app/export', { integration_ids: [integrationSeq, 999, 1000] });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('export_not_found');
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ field: 'integration_ids[1]', id: 999 }),
      expect.objectContaining({ field: 'integration_ids[2]', id: 1000 }),
    ]);
    // Another tenant's integration is unknown here.
    const foreign = await as(other.token).post('/api/v1/transfer/export', { integration_ids: [integrationId] });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'export_not_found']);
    for (const body of [
      { integration_ids: ['nope'] },
      { integration_ids: [0] },
      { integration_ids: [1.5] },
      { include: ['secrets'] },
      { integration_ids: 1 },
      { extra: true },
    ]) {
      const bad = await as(admin.token).post('/api/v1/transfer/export', body);
      expect([bad.status, bad.body.error.code], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
    expect((await as(admin.token).post('/apps/v1/app/export', {})).status).toBe(400);
    expect((await as(admin.token).post('/apps/v1/app/export', { integration_ids: ['1'] })).status).toBe(400);
  });

  it('is for admins; each export is audited with its kinds and counts, never its content', async () => {
    const refused = await exportAll(analyst.token);
    expect(refused.status).toBe(403);
    expect((await api.request('GET', '/api/v1/transfer/schema', { token: analyst.token })).status).toBe(403);
    const schema = await api.request('GET', '/api/v1/transfer/schema', { token: admin.token });
    expect(schema.status).toBe(200);
    expect(schema.body).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });

    const doc = (await exportAll()).body as Doc;
    const rows = await api.sql(
      `SELECT a.actor_id, a.changes, a.metadata FROM audit_events a JOIN tenants t ON t.id = a.tenant_id
        WHERE t.code = 'acme' AND a.action = 'transfer.export' ORDER BY a.created_at DESC LIMIT 1`,
    );
    expect(rows[0].actor_id).toBe(admin.id);
    expect(rows[0].metadata).toMatchObject({
      include: ['chains', 'subscriptions', 'inbound_sources', 'monitors'],
      counts: [
        { kind: 'integrations', count: 1 },
        { kind: 'tasks', count: 3 },
        { kind: 'instances', count: 1 },
        { kind: 'chains', count: 1 },
        { kind: 'subscriptions', count: 1 },
        { kind: 'inbound_sources', count: 1 },
        { kind: 'monitors', count: 1 },
        { kind: 'chain_credentials', count: 1 },
      ],
      checksum: doc.checksum.value,
    });
    const audited = JSON.stringify(rows[0]);
    expect(audited).not.toContain('siem.example.com');
    expect(audited).not.toContain('pull_alerts');
  });

  it('writes bodies the create routes accept: replayed into an empty tenant, its export is the same document', async () => {
    const doc = (await exportAll()).body as Doc;
    const globex = as(other.token);
    const created = async (res: { status: number; text: string; body: Json }) => {
      expect(res.status, res.text).toBe(201);
      return res.body;
    };
    const [app] = doc.apps;
    const integration = await created(await globex.post('/api/v1/integrations', app.integration));
    const logo = await fetch(`${api.baseUrl}/api/v1/integrations/${integration.id}/logo`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${other.token}`, 'content-type': app.logo!.content_type },
      body: Buffer.from(app.logo!.base64, 'base64'),
    });
    expect(logo.status).toBe(200);
    // Tasks in dependency order (the document orders them by tag).
    for (const tag of ['login', 'get_alert', 'pull_alerts'])
      await created(
        await globex.post(
          `/api/v1/integrations/${integration.id}/tasks`,
          app.tasks.find((t) => t.task_tag === tag),
        ),
      );
    // An instance stub becomes a create body once its secrets are given again.
    const { ingestion, secrets_required: _s, ...stub } = app.instances[0] as Json;
    const instance = await created(
      await globex.post('/api/v1/instances', {
        ...stub,
        integration_uuid: integration.id,
        fields: { ...stub.fields, api_token: 'new-token' },
        auth: { ...stub.auth, client_id: 'new-id', client_secret: 'new-secret' },
      }),
    );
    expect((await globex.put(`/api/v1/instances/${instance.id}/ingestion`, ingestion)).status).toBe(200);
    const { name: _n, secrets_required: _h, ...subscription } = (doc.subscriptions as Json[])[0];
    const sub = await created(
      await globex.post('/api/v1/subscriptions', { ...subscription, headers: { Authorization: 'Token other' } }),
    );
    const { secrets_required: _v, ...credential } = (doc.chain_credentials as Json[])[0];
    await created(await globex.post('/api/v1/credentials', { ...credential, value: 'other-value' }));
    const chain = (doc.chains as Json[])[0];
    const ids = (step: Json) => {
      const { subscription: s, instance: i, ...rest } = step;
      return { ...rest, ...(s && { webhook_id: sub.id }), ...(i && { instance_id: instance.id }) };
    };
    await created(
      await globex.post('/api/v1/chains', {
        ...chain,
        steps: chain.steps.map(ids),
        compensation_steps: chain.compensation_steps.map(ids),
      }),
    );
    await created(await globex.post('/api/v1/sources', (doc.inbound_sources as Json[])[0]));
    await created(await globex.post('/api/v1/monitors', (doc.monitors as Json[])[0]));

    const again = (await exportAll(other.token)).body as Doc;
    const content = ({ exported_at: _e, source: _src, checksum: _c, ...rest }: Doc) => rest;
    expect(content(again)).toEqual(content(doc));
    expect(again.source.tenant_code).toBe('globex');
  });

  it('lets an MSSP admin export a tenant below it, and no other', async () => {
    await api.seedTenant('mssp');
    const customer = await api.seedTenant('customer', 'mssp');
    const mssp = await api.seedUser('mssp', 'mssp_admin');
    const made = await api.request('POST', '/api/v1/integrations', {
      token: mssp.token,
      tenant: customer.id,
      body: { title: 'EDR' },
    });
    expect(made.status, made.text).toBe(201);
    const rest = await api.request('POST', '/api/v1/transfer/export', {
      token: mssp.token,
      tenant: customer.id,
      body: {},
    });
    expect(rest.status, rest.text).toBe(200);
    expect(rest.body.source.tenant_code).toBe('customer');
    expect(rest.body.apps.map((a: Json) => a.integration.title)).toEqual(['EDR']);
    const seed = await as(mssp.token).post('/apps/v1/app/export', {
      integration_ids: [made.body.integration_id],
      tenant_code: 'customer',
    });
    expect(seed.status, seed.text).toBe(200);
    expect(seed.body.source.tenant_code).toBe('customer');
    // acme is not below mssp; globex's admin cannot name acme either.
    const outside = await as(mssp.token).post('/apps/v1/app/export', { integration_ids: [1], tenant_code: 'acme' });
    expect([outside.status, outside.body.error.code]).toEqual([404, 'tenant_not_found']);
    const sideways = await as(other.token).post('/apps/v1/app/export', { integration_ids: [1], tenant_code: 'acme' });
    expect([sideways.status, sideways.body.error.code]).toEqual([404, 'tenant_not_found']);
  });

  it('needs the export_import licence feature', async () => {
    await useLicenseTerms(api, { features: FEATURES.filter((f) => f !== 'export_import') });
    const rest = await exportAll();
    expect([rest.status, rest.body.error.code]).toEqual([403, 'license_feature_unavailable']);
    const seed = await as(admin.token).post('/apps/v1/app/export', { integration_ids: [integrationSeq] });
    expect([seed.status, seed.body.error.code]).toEqual([403, 'license_feature_unavailable']);
  });
});
