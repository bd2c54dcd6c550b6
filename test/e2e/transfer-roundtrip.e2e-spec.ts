// Export and import agree (issue 20 points 3 and 6). A tenant seeded through the API with every kind an export
// carries (an integration with a secret field, a logo, tasks naming each other, an ingestion task with dependent
// tasks; two instances, one with polling ingestion; two subscriptions sharing an app name; a chain credential; a chain
// with a webhook and a task step; an inbound source and a monitor) is exported, imported into an empty tenant, given
// the secrets the import answers as needed, and exported again: the same document but for exported_at, source and
// checksum. Then every class of bad document sent to POST /api/v1/transfer/import is a 400 with its code and details,
// and no row of any table an import writes changes.
import { TRANSFER_VERSION, documentChecksum } from '@conduit/transfer';
import type { TransferDocument } from '@conduit/transfer';
import { TestApi, startTestApi } from '../support/test-api';
import { liftQuotas } from '../support/test-license';

type Json = Record<string, any>;
type Doc = TransferDocument & Json;

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

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

const INCLUDE = ['chains', 'subscriptions', 'inbound_sources', 'monitors'];

/** Every table an import writes, and the import's own successful audit rows. */
const TABLES = [
  'integrations',
  'tasks',
  'integration_instances',
  'instance_ingestion',
  'execution_chains',
  'execution_chain_steps',
  'credentials',
  'webhook_subscriptions',
  'inbound_sources',
  'monitors',
] as const;

const content = ({ exported_at: _e, source: _s, checksum: _c, ...rest }: Doc) => rest;

function withChecksum(doc: Json): Json {
  const { checksum: _c, ...rest } = doc;
  return { ...rest, checksum: { algorithm: 'sha256', value: documentChecksum(rest) } };
}

describe('transfer round trip and bad documents', () => {
  let api: TestApi;
  let source: { id: string; token: string };
  let exported: Doc;

  const post = (token: string, path: string, body: unknown) => api.request('POST', path, { token, body });
  const ok = async (res: { status: number; text: string; body: Json }, status = 201) => {
    expect(res.status, res.text).toBe(status);
    return res.body;
  };
  const exportAll = async (token: string) =>
    (await ok(await post(token, '/api/v1/transfer/export', { include: INCLUDE }), 200)) as Doc;

  async function tenant(code: string) {
    const t = await api.seedTenant(code);
    const admin = await api.seedUser(code, 'tenant_admin');
    return { id: t.id as string, token: admin.token as string };
  }

  async function counts(tenantId: string): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const table of TABLES)
      result[table] = (
        await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])
      )[0].n;
    // A refused import is audited as a failed request; nothing else may be.
    result.audit_events = (
      await api.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1
          AND NOT (action = 'transfer.import' AND outcome = 'failure')`,
        [tenantId],
      )
    )[0].n;
    return result;
  }

  beforeAll(async () => {
    api = await startTestApi();
    await liftQuotas(api);
    source = await tenant('rtsource');
    const token = source.token;
    const integration = await ok(
      await post(token, '/api/v1/integrations', {
        title: 'SIEM',
        category: 'SIEM',
        fields: FIELDS,
        metadata: { vendor: 'Acme' },
      }),
    );
    const logo = await fetch(`${api.baseUrl}/api/v1/integrations/${integration.id}/logo`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(logo.status).toBe(200);
    for (const task of [
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
        case_ingestion_config: { dependent_tasks: ['get_alert', { task_tag: 'login', on_error: 'fail' }] },
        input_fields: ['start', 'end', 'page_size', 'page_token'].map((name) => ({ name, type: 'text' })),
        output_fields: [{ name: 'alerts', path: '$.alerts', type: 'any', is_array: true }],
        request: {
          method: 'GET',
          path: '/alerts',
          query: { start: '{{input.start}}', end: '{{input.end}}', page_token: '{{input.page_token}}' },
        },
      },
    ])
      await ok(await post(token, `/api/v1/integrations/${integration.id}/tasks`, task));
    const production = await ok(
      await post(token, '/api/v1/instances', {
        integration_uuid: integration.id,
        title: 'SIEM production',
        base_url: 'https://siem.example.com',
        fields: { region: 'eu', api_token: 'source-token-1' },
        auth: {
          type: 'oauth2_client_credentials',
          client_id: 'source-client',
          client_secret: 'source-client-secret',
          token_url: 'https://idp.example.com/token',
          scope: 'alerts:read',
        },
        rate_limit: { max: 10, per_seconds: 60 },
      }),
    );
    await ok(await api.request('PUT', `/api/v1/instances/${production.id}/ingestion`, { token, body: INGESTION }), 200);
    await ok(
      await post(token, '/api/v1/instances', {
        integration_uuid: integration.id,
        title: 'SIEM staging',
        base_url: 'https://siem-staging.example.com',
        fields: { region: 'us', index: 'staging', api_token: 'source-token-2' },
        auth: { type: 'basic', username: 'svc', password: 'source-password' },
        health_check: { task_tag: 'login', interval_seconds: 3600 },
      }),
    );
    // Two subscriptions of one app: the document names them "ticketing (1)" and "ticketing (2)".
    const subs: Json[] = [];
    for (const [url, headers] of [
      ['https://hooks.example.com/tickets', { Authorization: 'Token source-header' }],
      ['https://hooks.example.com/urgent', undefined],
    ] as const)
      subs.push(
        await ok(
          await post(token, '/api/v1/subscriptions', {
            app_name: 'ticketing',
            target_url: url,
            event_types: ['alert.*'],
            retry_schedule: [0, 60],
            ...(headers && { headers }),
          }),
        ),
      );
    await ok(
      await post(token, '/api/v1/credentials', {
        name: 'ticket_key',
        value: 'source-credential-value',
        allowed_hosts: ['hooks.example.com'],
        description: 'Ticketing key',
      }),
    );
    await ok(
      await post(token, '/api/v1/chains', {
        name: 'Triage',
        trigger_event: 'alert.raised',
        steps: [
          {
            type: 'task',
            name: 'Details',
            instance_id: production.id,
            task_tag: 'get_alert',
            input: { alert_id: '{{trigger_data.id}}' },
          },
          {
            name: 'Ticket',
            webhook_id: subs[1].id,
            request_params: { alert: '{{trigger_data.id}}' },
            headers: { 'X-Key': '{{credentials.ticket_key}}' },
          },
        ],
      }),
    );
    await ok(
      await post(token, '/api/v1/sources', {
        name: 'stripe-payments',
        provider: 'stripe',
        secret: 'whsec_source-secret-value',
        event_type_path: '$.type',
        allowed_cidrs: ['203.0.113.0/24'],
      }),
    );
    // Two monitors of one name (names are not unique): the import must keep both.
    for (const url of ['https://siem.example.com/health', 'https://siem-staging.example.com/health'])
      await ok(
        await post(token, '/api/v1/monitors', {
          name: 'SIEM health',
          url,
          interval_seconds: 60,
          expected_status: '200-299',
        }),
      );
    exported = await exportAll(token);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('the seeded export carries every kind, the subscriptions named apart and the chain step naming the second', () => {
    expect(exported.apps).toHaveLength(1);
    expect(exported.apps[0].instances.map((i) => i.title)).toEqual(['SIEM production', 'SIEM staging']);
    expect(exported.apps[0].instances[0].ingestion).toMatchObject({ task_tag: 'pull_alerts' });
    expect(exported.apps[0].instances[1]).toMatchObject({ ingestion: null, health_check: { task_tag: 'login' } });
    expect((exported.subscriptions as Json[]).map((s) => s.name)).toEqual(['ticketing (1)', 'ticketing (2)']);
    const [chain] = exported.chains as Json[];
    const urgent = (exported.subscriptions as Json[]).find((s) => s.target_url.endsWith('/urgent'));
    expect(chain.steps[1].subscription).toBe(urgent?.name);
    expect(chain.steps[0].instance).toEqual({ integration: 'SIEM', title: 'SIEM production' });
    for (const kind of ['chain_credentials', 'inbound_sources']) expect(exported[kind]).toHaveLength(1);
    expect((exported.monitors as Json[]).map((m) => m.name)).toEqual(['SIEM health', 'SIEM health']);
  });

  it('export → import into an empty tenant → secrets given again → export: the same document', async () => {
    const target = await tenant('rttarget');
    const res = await post(target.token, '/api/v1/transfer/import', { document: exported, import_type: 'overwrite' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status, res.text).toBe('completed');
    expect(res.body.counts).toMatchObject({ error: 0, skip: 0, update: 0 });
    // 1 integration, 3 tasks, 2 instances, 2 subscriptions, 1 source, 2 monitors, 1 chain.
    expect(res.body.counts.create).toBe(12);

    // What the import answers as still needed: exactly the secrets the source held, never their values.
    const needs = Object.fromEntries(res.body.needs_secrets.map((n: Json) => [n.title, n]));
    expect(needs['SIEM production'].fields.sort()).toEqual([
      'auth.client_id',
      'auth.client_secret',
      'fields.api_token',
    ]);
    expect(needs['SIEM staging'].fields.sort()).toEqual(['auth.password', 'auth.username', 'fields.api_token']);
    const urgentName = (exported.subscriptions as Json[]).find((s) => s.target_url.endsWith('/urgent'))!.name;
    const ticketsName = urgentName === 'ticketing (1)' ? 'ticketing (2)' : 'ticketing (1)';
    const tickets = res.body.items.find((i: Json) => i.kind === 'subscription' && i.name === ticketsName);
    expect(res.body.resources_need_secrets).toEqual([
      { kind: 'subscription', name: ticketsName, id: tickets.id, secrets: ['headers.Authorization'] },
      { kind: 'chain_credential', name: 'ticket_key', id: null, secrets: ['value'] },
    ]);
    expect(res.text).not.toMatch(/source-(token|client|password|header|credential|secret)/);

    // The chain's webhook step points at the imported "urgent" subscription, its task step at the instance.
    const chainItem = res.body.items.find((i: Json) => i.kind === 'chain');
    const chain = await ok(await api.request('GET', `/api/v1/chains/${chainItem.id}`, { token: target.token }), 200);
    const urgent = res.body.items.find((i: Json) => i.kind === 'subscription' && i.name === urgentName);
    expect(chain.steps[0].instance_id).toBe(needs['SIEM production'].instance_id);
    expect(chain.steps[1].webhook_id).toBe(urgent.id);
    const [ingestion] = await api.sql(`SELECT instance_uuid FROM instance_ingestion WHERE tenant_id = $1`, [target.id]);
    expect(ingestion.instance_uuid).toBe(needs['SIEM production'].instance_id);

    // Given the secrets, as the answer asks: the instances activated, the header, the credential.
    const patch = (path: string, body: Json) => api.request('PATCH', path, { token: target.token, body });
    await ok(
      await patch(`/api/v1/instances/${needs['SIEM production'].instance_id}`, {
        status: 'active',
        fields: { region: 'eu', api_token: 'target-token-1' },
        auth: {
          type: 'oauth2_client_credentials',
          client_id: 'target-client',
          client_secret: 'target-client-secret',
          token_url: 'https://idp.example.com/token',
          scope: 'alerts:read',
        },
      }),
      200,
    );
    await ok(
      await patch(`/api/v1/instances/${needs['SIEM staging'].instance_id}`, {
        status: 'active',
        fields: { region: 'us', index: 'staging', api_token: 'target-token-2' },
        auth: { type: 'basic', username: 'svc2', password: 'target-password' },
      }),
      200,
    );
    await ok(await patch(`/api/v1/subscriptions/${tickets.id}`, { headers: { Authorization: 'Token target' } }), 200);
    const { secrets_required: _v, ...credential } = (exported.chain_credentials as Json[])[0];
    await ok(await post(target.token, '/api/v1/credentials', { ...credential, value: 'target-credential-value' }));

    const again = await exportAll(target.token);
    expect(content(again)).toEqual(content(exported));
    expect(again.source.tenant_code).toBe('rttarget');

    // Imported again over itself (overwrite): everything updated in place, the document unchanged.
    const over = await post(target.token, '/api/v1/transfer/import', { document: again, import_type: 'overwrite' });
    expect(over.status, over.text).toBe(200);
    expect(over.body.status, over.text).toBe('completed');
    expect(over.body.counts).toMatchObject({ create: 0, error: 0, update: 12 });
    expect(over.body.needs_secrets).toEqual([]);
    expect(over.body.resources_need_secrets).toEqual([]);
    expect(content(await exportAll(target.token))).toEqual(content(exported));
  });

  it('the exported document: a dry run answers what the real import answers and writes nothing; skip changes nothing', async () => {
    const dry = await tenant('rtdry');
    const real = await tenant('rtreal');
    const before = await counts(dry.id);
    const body = { document: exported, import_type: 'overwrite', name_map: { SIEM: 'SIEM (copy)' } };
    const dryRun = await post(dry.token, '/api/v1/transfer/import', { ...body, dry_run: true });
    const realRun = await post(real.token, '/api/v1/transfer/import', body);
    expect(dryRun.status, dryRun.text).toBe(200);
    expect(realRun.body.status, realRun.text).toBe('completed');
    const withoutIds = (report: Json) => ({
      ...report,
      dry_run: null,
      items: (report.items as Json[]).map((i) => ({ ...i, id: i.id === null ? null : 'id' })),
      needs_secrets: (report.needs_secrets as Json[]).map((n) => ({ ...n, instance_id: 'id' })),
      resources_need_secrets: (report.resources_need_secrets as Json[]).map((n) => ({ ...n, id: n.id && 'id' })),
    });
    expect(withoutIds(dryRun.body)).toEqual(withoutIds(realRun.body));
    expect(realRun.body.items[0]).toMatchObject({ name: 'SIEM', target_name: 'SIEM (copy)', renamed: true });
    // The renamed integration's instance is what the chain's task step names.
    expect(realRun.body.items.find((i: Json) => i.kind === 'chain').action).toBe('create');
    expect(await counts(dry.id)).toEqual({ ...before, audit_events: before.audit_events + 1 });

    const rows = await counts(real.id);
    const skipped = await post(real.token, '/api/v1/transfer/import', { ...body, import_type: 'skip' });
    expect(skipped.body.status, skipped.text).toBe('completed');
    expect(skipped.body.counts).toMatchObject({ create: 0, update: 0, error: 0, skip: 12 });
    expect(await counts(real.id)).toEqual({ ...rows, audit_events: rows.audit_events + 1 });
  });

  it('the exported document with one failing task: that integration rolls back, or everything when atomic', async () => {
    const doc = structuredClone(exported) as Json;
    doc.apps[0].tasks[0].request.path = '/alerts/{{input.alert_id';
    const broken = withChecksum(doc);
    for (const atomic of [false, true]) {
      const t = await tenant(atomic ? 'rtatomic' : 'rtpartial');
      const before = await counts(t.id);
      const res = await post(t.token, '/api/v1/transfer/import', {
        document: broken,
        import_type: 'overwrite',
        atomic,
      });
      expect(res.status, res.text).toBe(200);
      const integration = res.body.items.filter((i: Json) => ['integration', 'task', 'instance'].includes(i.kind));
      expect(integration.every((i: Json) => i.action === 'error')).toBe(true);
      expect(res.body.items.find((i: Json) => i.name === 'get_alert').problems[0].code).toBe('invalid_template');
      // The chain names the rolled-back instance: it fails too; the other resources stand alone unless atomic.
      expect(res.body.items.find((i: Json) => i.kind === 'chain').problems[0].code).toBe('unresolved_reference');
      const after = await counts(t.id);
      expect(after.integrations).toBe(0);
      if (atomic) {
        expect(res.body.status).toBe('failed');
        expect(after).toEqual({ ...before, audit_events: before.audit_events + 1 });
        expect(res.body.resources_need_secrets).toEqual([
          { kind: 'chain_credential', name: 'ticket_key', id: null, secrets: ['value'] },
        ]);
      } else {
        expect(res.body.status).toBe('partial');
        expect(after).toMatchObject({ webhook_subscriptions: 2, inbound_sources: 1, monitors: 2, execution_chains: 0 });
      }
    }
  });

  it("carries a customer's instances of its MSSP's shared integration: restored into another customer, unresolved elsewhere", async () => {
    await api.seedTenant('rtmssp');
    const mssp = await api.seedUser('rtmssp', 'mssp_admin');
    const shared = await ok(
      await post(mssp.token, '/api/v1/integrations', {
        title: 'MSSP EDR',
        shared: true,
        fields: [
          { name: 'region', type: 'select', options: ['eu', 'us'], required: true },
          { name: 'api_key', type: 'secret', required: true },
        ],
      }),
    );
    await ok(
      await post(mssp.token, `/api/v1/integrations/${shared.id}/tasks`, {
        name: 'Isolate',
        task_tag: 'isolate',
        request: { method: 'POST', path: '/isolate' },
      }),
    );
    const customers: { id: string; token: string }[] = [];
    for (const code of ['rtcust1', 'rtcust2']) {
      const t = await api.seedTenant(code, 'rtmssp');
      const admin = await api.seedUser(code, 'tenant_admin');
      customers.push({ id: t.id, token: admin.token });
    }
    const body = {
      title: 'EDR',
      base_url: 'https://edr.example.com',
      fields: { region: 'eu', api_key: 'customer-edr-key' },
      auth: { type: 'bearer', token: 'customer-edr-bearer' },
      health_check: { task_tag: 'isolate', interval_seconds: 3600 },
    };
    const instance = await ok(
      await post(customers[0].token, '/api/v1/instances', { integration_uuid: shared.id, ...body }),
    );
    await ok(
      await post(customers[0].token, '/api/v1/chains', {
        name: 'Contain',
        trigger_event: 'alert.raised',
        steps: [{ type: 'task', name: 'Isolate', instance_id: instance.id, task_tag: 'isolate' }],
      }),
    );

    // The customer's whole export: no app of its own, the instance as a stub naming the MSSP's integration.
    const doc = await exportAll(customers[0].token);
    expect(doc.version).toBe(TRANSFER_VERSION);
    expect(doc.apps).toEqual([]);
    expect(doc.shared_instances).toEqual([
      {
        integration: 'MSSP EDR',
        title: 'EDR',
        base_url: 'https://edr.example.com',
        fields: { region: 'eu' },
        auth: { type: 'bearer' },
        health_check: { task_tag: 'isolate', interval_seconds: 3600, failure_threshold: 3 },
        status: 'active',
        ingestion: null,
        secrets_required: ['fields.api_key', 'auth.token'],
      },
    ]);
    expect(JSON.stringify(doc)).not.toMatch(/customer-edr/);
    expect((doc.chains as Json[])[0].steps[0].instance).toEqual({ integration: 'MSSP EDR', title: 'EDR' });
    // Asked for chosen integrations, an export is about those only.
    const partial = await ok(await post(customers[0].token, '/api/v1/transfer/export', { integration_ids: [] }), 200);
    expect(partial.shared_instances).toBeUndefined();

    // Restored into the other customer: the instance created inactive, its secrets asked for, the chain on it.
    const res = await post(customers[1].token, '/api/v1/transfer/import', { document: doc, import_type: 'overwrite' });
    expect(res.body.status, res.text).toBe('completed');
    const item = res.body.items.find((i: Json) => i.kind === 'instance');
    expect(item).toMatchObject({ name: 'EDR', action: 'create', integration: 'MSSP EDR' });
    expect(res.body.needs_secrets).toEqual([
      { instance_id: item.id, title: 'EDR', integration: 'MSSP EDR', fields: ['fields.api_key', 'auth.token'] },
    ]);
    const restored = await ok(
      await api.request('GET', `/api/v1/instances/${item.id}`, { token: customers[1].token }),
      200,
    );
    expect(restored).toMatchObject({ integration_uuid: shared.id, status: 'inactive', fields: { region: 'eu' } });
    const chainItem = res.body.items.find((i: Json) => i.kind === 'chain');
    const chain = await ok(
      await api.request('GET', `/api/v1/chains/${chainItem.id}`, { token: customers[1].token }),
      200,
    );
    expect(chain.steps[0].instance_id).toBe(item.id);

    // Given its secrets and switched on, the restored customer exports the same document.
    await ok(
      await api.request('PATCH', `/api/v1/instances/${item.id}`, {
        token: customers[1].token,
        body: { status: 'active', fields: { api_key: 'other-key' }, auth: { type: 'bearer', token: 'other-bearer' } },
      }),
      200,
    );
    expect(content(await exportAll(customers[1].token))).toEqual(content(doc));
    // skip leaves it; a second overwrite updates it in place.
    const skipped = await post(customers[1].token, '/api/v1/transfer/import', { document: doc, import_type: 'skip' });
    expect(skipped.body.items.find((i: Json) => i.kind === 'instance')).toMatchObject({ action: 'skip', id: item.id });

    // A tenant outside the MSSP does not see its integration: the stub is reported, never dropped, nothing written.
    const outsider = await tenant('rtoutsider');
    const refused = await post(outsider.token, '/api/v1/transfer/import', { document: doc, import_type: 'overwrite' });
    expect(refused.body.items.find((i: Json) => i.kind === 'instance')).toMatchObject({
      action: 'error',
      problems: [expect.objectContaining({ code: 'unresolved_reference', field: 'shared_instances[0].integration' })],
    });
    expect((await counts(outsider.id)).integration_instances).toBe(0);
  });

  describe('bad documents over HTTP: 400 with a stable code and details, nothing written', () => {
    let victim: { id: string; token: string };
    let before: Record<string, number>;

    beforeAll(async () => {
      victim = await tenant('rtvictim');
      // Something to keep: the same configuration, so an import that wrote anything would show in the counts.
      const res = await post(victim.token, '/api/v1/transfer/import', { document: exported, import_type: 'overwrite' });
      expect(res.body.status, res.text).toBe('completed');
      before = await counts(victim.id);
    });

    async function refused(body: string | Json, code: string, detail?: Json) {
      const res = await api.request('POST', '/api/v1/transfer/import', {
        token: victim.token,
        ...(typeof body === 'string' ? { rawBody: body } : { body }),
      });
      expect([res.status, res.body?.error?.code], res.text.slice(0, 500)).toEqual([400, code]);
      expect(Array.isArray(res.body.error.details) && res.body.error.details.length > 0, res.text.slice(0, 500)).toBe(
        true,
      );
      if (detail) expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining(detail)]));
      expect(await counts(victim.id)).toEqual(before);
      return res;
    }

    const wrap = (document: unknown) => ({ document, import_type: 'overwrite' });
    // The document changed so the real import would have written something (a new integration title).
    const changed = () => {
      const doc = structuredClone(exported) as Json;
      doc.apps[0].integration.title = 'SIEM copy';
      return doc;
    };

    it('invalid JSON text', async () => {
      const text = JSON.stringify(wrap(exported));
      await refused(text.slice(0, text.length - 10), 'invalid_json', { field: 'body', code: 'invalid_json' });
    });

    it('a schema violation', async () => {
      const doc = changed();
      doc.apps[0].tasks[0].task_tag = 'Not A Tag';
      await refused(wrap(withChecksum(doc)), 'invalid_document', {
        field: '/apps/0/tasks/0/task_tag',
        code: 'pattern_mismatch',
      });
    });

    it('a checksum mismatch: one character changed', async () => {
      const doc = changed();
      doc.checksum = exported.checksum;
      await refused(wrap(doc), 'checksum_mismatch', { field: '/checksum/value' });
    });

    it('a newer version', async () => {
      await refused(wrap(withChecksum({ ...changed(), version: TRANSFER_VERSION + 1 })), 'import_version_unsupported', {
        code: 'version_too_new',
      });
    });

    it('over 10 MB', async () => {
      const doc = changed();
      doc.apps[0].integration.description = 'x'.repeat(500_000);
      doc.apps = Array.from({ length: 22 }, (_, i) => ({
        ...doc.apps[0],
        integration: { ...doc.apps[0].integration, title: `SIEM ${i}` },
      }));
      await refused(wrap(withChecksum(doc)), 'document_too_large', { code: 'too_many_bytes' });
    });

    it('over an item limit', async () => {
      const doc = changed();
      doc.monitors = Array.from({ length: 1001 }, (_, i) => ({ ...(exported.monitors as Json[])[0], name: `m${i}` }));
      await refused(wrap(withChecksum(doc)), 'document_too_large', { code: 'too_many_items' });
    });

    it('__proto__ and constructor keys', async () => {
      // As sent over HTTP, the API's request check answers first (validation_failed), for every route alike.
      for (const key of ['__proto__', 'constructor']) {
        const doc = changed();
        const text = JSON.stringify(wrap(doc)).replace('"metadata":{', `"metadata":{"${key}":{"polluted":true},`);
        expect(text).toContain(key);
        await refused(text, 'validation_failed');
      }
    });

    it('a nesting bomb', async () => {
      const depth = 100_000;
      const text = `{"import_type":"overwrite","document":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const res = await refused(text, 'validation_failed');
      expect(res.text.length).toBeLessThan(10_000);
    });

    it('a string bomb', async () => {
      const doc = changed();
      doc.apps[0].integration.description = 'x'.repeat(2 * 1024 * 1024);
      await refused(wrap(withChecksum(doc)), 'document_too_large', { code: 'string_too_long' });
    });
  });
});
