// The import half of export/import (issue 20): documents replayed through the catalogue's services into a tenant,
// with the seed's overwrite and skip, renames, tasks saved in dependency order (depends_on and an ingestion task's
// dependent_tasks), instance stubs created inactive and listed in needs_secrets, a failing integration rolled back
// alone (or everything, atomic), dry runs that write nothing and answer what a real import answers, unresolvable
// references and licence quotas reported per item, and the import's audit row without the document's content.
import { documentChecksum } from '@conduit/transfer';
import { TestApi, startTestApi } from '../support/test-api';
import { liftQuotas, useLicenseTerms } from '../support/test-license';

type Json = Record<string, unknown>;

const FIELDS = [
  { name: 'region', type: 'select', options: ['eu', 'us'], default: 'eu' },
  { name: 'api_token', type: 'secret', required: true },
];

const task = (tag: string, extra: Json = {}): Json => ({
  name: `Task ${tag}`,
  task_tag: tag,
  request: { method: 'GET', path: `/${tag}`, headers: { Authorization: 'Bearer {{credentials.token}}' } },
  ...extra,
});

/** Dependents before what they name, on purpose: the import must order them. */
const TASKS = [
  task('pull_alerts', {
    ingest_cases: true,
    case_ingestion_config: { dependent_tasks: [{ task_tag: 'alert_details', on_error: 'fail' }] },
    depends_on: ['login'],
  }),
  task('search', { depends_on: ['login'] }),
  task('alert_details', { depends_on: ['login'] }),
  task('login'),
];

const app = (title: string, tasks: Json[] = TASKS, instances: Json[] = []): Json => ({
  integration: { title, description: `${title} SIEM`, category: 'siem', fields: FIELDS },
  logo: null,
  tasks,
  instances,
});

const STUB = { title: 'Prod', base_url: 'https://siem.example.com', fields: { region: 'us' }, auth: { type: 'basic' } };

function documentOf(apps: Json[], resources: Json = {}): Json {
  const doc: Json = {
    format: 'conduit.export',
    version: 1,
    exported_at: '2026-12-01T00:00:00.000Z',
    source: { installation: 'test', tenant_code: 'source' },
    apps,
    ...resources,
  };
  return { ...doc, checksum: { algorithm: 'sha256', value: documentChecksum(doc) } };
}

/** A task whose request has an unclosed template: refused by the tasks service (invalid_template). */
const BAD_TASK = task('broken', { request: { method: 'GET', path: '/alerts/{{input.id' } });

const RESOURCES = {
  subscriptions: [
    {
      name: 'billing',
      target_url: 'https://hooks.example.com/billing',
      event_types: ['invoice.paid'],
      description: 'd',
    },
  ],
  inbound_sources: [{ name: 'github-push', provider: 'github' }],
  monitors: [{ name: 'Billing health', url: 'https://billing.example.com/health', interval_seconds: 300 }],
};

const chain = (steps: Json[], extra: Json = {}): Json => ({
  name: 'Alert flow',
  trigger_event: 'alert.raised',
  steps,
  ...extra,
});

/** As the export writes a task step: the instance by its integration's title and its own. */
const TASK_STEP = {
  type: 'task',
  name: 'Search',
  instance: { integration: 'Splunk', title: 'Prod' },
  task_tag: 'search',
};

const WEBHOOK_STEP = { type: 'webhook', name: 'Notify', subscription: 'billing' };

const TABLES = [
  'integrations',
  'tasks',
  'integration_instances',
  'catalogue_counters',
  'webhook_subscriptions',
  'inbound_sources',
  'monitors',
  'execution_chains',
] as const;

describe('transfer import', () => {
  let api: TestApi;
  let tenantNo = 0;

  beforeAll(async () => {
    api = await startTestApi();
    await liftQuotas(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** A fresh tenant and its admin. */
  async function freshTenant(): Promise<{ id: string; code: string; token: string }> {
    const code = `imp${++tenantNo}`;
    const tenant = await api.seedTenant(code);
    const admin = await api.seedUser(code, 'tenant_admin');
    return { id: tenant.id, code, token: admin.token };
  }

  const importDoc = (token: string, body: Json, path = '/api/v1/transfer/import') =>
    api.request('POST', path, { token, body });

  async function counts(tenantId: string): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const table of TABLES)
      result[table] = (
        await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])
      )[0].n;
    result.other_audit = (
      await api.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND action <> 'transfer.import'`,
        [tenantId],
      )
    )[0].n;
    return result;
  }

  const tasksOf = (tenantId: string, title: string) =>
    api.sql<{ task_tag: string; depends_on: string[]; case_ingestion_config: Json | null; request: Json }>(
      `SELECT t.task_tag, t.depends_on, t.case_ingestion_config, t.request FROM tasks t
       JOIN integrations i ON i.id = t.integration_uuid
       WHERE t.tenant_id = $1 AND i.title = $2 AND t.deleted_at IS NULL ORDER BY t.task_tag`,
      [tenantId, title],
    );

  it('creates an app into an empty tenant: tasks in dependency order, instance stub inactive and in needs_secrets', async () => {
    const t = await freshTenant();
    const res = await importDoc(t.token, {
      document: documentOf([app('Splunk', TASKS, [STUB])]),
      import_type: 'overwrite',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', dry_run: false, atomic: false, import_type: 'overwrite' });
    expect(res.body.counts).toEqual({ create: 6, update: 0, skip: 0, rename: 0, error: 0 });
    const kinds = res.body.items.map((i: Json) => `${i.kind}:${i.name}:${i.action}`);
    expect(kinds[0]).toBe('integration:Splunk:create');
    // login is saved before everything that names it, alert_details before the ingestion task naming it.
    const order = kinds.filter((k: string) => k.startsWith('task:')).map((k: string) => k.split(':')[1]);
    expect(order.indexOf('login')).toBeLessThan(order.indexOf('search'));
    expect(order.indexOf('alert_details')).toBeLessThan(order.indexOf('pull_alerts'));
    for (const item of res.body.items) {
      expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(item.problems).toEqual([]);
    }

    const tasks = await tasksOf(t.id, 'Splunk');
    expect(tasks.map((x) => x.task_tag)).toEqual(['alert_details', 'login', 'pull_alerts', 'search']);
    const pull = tasks.find((x) => x.task_tag === 'pull_alerts');
    expect(pull?.depends_on).toEqual(['login']);
    expect(pull?.case_ingestion_config).toMatchObject({ dependent_tasks: [{ task_tag: 'alert_details' }] });

    const [instance] = await api.sql(
      `SELECT id, status, auth_type, fields, secret_fields FROM integration_instances WHERE tenant_id = $1`,
      [t.id],
    );
    expect(instance).toMatchObject({ status: 'inactive', auth_type: 'basic', fields: { region: 'us' } });
    expect(instance.secret_fields).toEqual([]);
    expect(res.body.needs_secrets).toEqual([
      {
        instance_id: instance.id,
        title: 'Prod',
        integration: 'Splunk',
        fields: ['fields.api_token', 'auth.username', 'auth.password'],
      },
    ]);

    // Audited: who, options and counts; not the document.
    const audits = await api.sql(
      `SELECT actor_type, outcome, changes FROM audit_events WHERE tenant_id = $1 AND action = 'transfer.import'`,
      [t.id],
    );
    expect(audits).toHaveLength(1);
    const [audit] = audits;
    expect(audit).toMatchObject({ actor_type: 'user', outcome: 'success' });
    expect(audit.changes).toMatchObject({ dry_run: false, status: 'completed', counts: { create: 6 } });
    expect(JSON.stringify(audit.changes)).not.toContain('pull_alerts');
  });

  it('accepts the same body at the seed path', async () => {
    const t = await freshTenant();
    const res = await importDoc(
      t.token,
      { document: documentOf([app('Seeded')]), import_type: 'skip' },
      '/apps/v1/app/import',
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('completed');
    expect((await tasksOf(t.id, 'Seeded')).length).toBe(4);
  });

  /** A tenant with Splunk already there: task login (another path) and a task the document does not carry. */
  async function tenantWithSplunk() {
    const t = await freshTenant();
    const created = await api.request('POST', '/api/v1/integrations', {
      token: t.token,
      body: { title: 'Splunk', description: 'old', fields: FIELDS },
    });
    expect(created.status, created.text).toBe(201);
    for (const body of [task('login', { request: { method: 'POST', path: '/old-login' } }), task('legacy')]) {
      const r = await api.request('POST', `/api/v1/integrations/${created.body.id}/tasks`, { token: t.token, body });
      expect(r.status, r.text).toBe(201);
    }
    return { ...t, integrationId: created.body.id as string };
  }

  it('overwrite updates the existing integration and its tasks by tag, creates the new ones, leaves the others', async () => {
    const t = await tenantWithSplunk();
    const res = await importDoc(t.token, { document: documentOf([app('splunk')]), import_type: 'overwrite' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('completed');
    const actions = Object.fromEntries(res.body.items.map((i: Json) => [`${i.kind}:${i.name}`, i.action]));
    expect(actions).toEqual({
      'integration:splunk': 'update',
      'task:login': 'update',
      'task:search': 'create',
      'task:alert_details': 'create',
      'task:pull_alerts': 'create',
    });
    expect(res.body.items[0].id).toBe(t.integrationId);
    const [row] = await api.sql(`SELECT title, description FROM integrations WHERE id = $1`, [t.integrationId]);
    expect(row).toEqual({ title: 'splunk', description: 'splunk SIEM' });
    const tasks = await tasksOf(t.id, 'splunk');
    expect(tasks.map((x) => x.task_tag)).toEqual(['alert_details', 'legacy', 'login', 'pull_alerts', 'search']);
    expect(tasks.find((x) => x.task_tag === 'login')?.request).toMatchObject({ method: 'GET', path: '/login' });
  });

  it('skip leaves the existing integration and its tasks untouched', async () => {
    const t = await tenantWithSplunk();
    const before = await api.sql(`SELECT * FROM tasks WHERE tenant_id = $1 ORDER BY task_tag`, [t.id]);
    const res = await importDoc(t.token, { document: documentOf([app('Splunk', TASKS, [STUB])]), import_type: 'skip' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.items.every((i: Json) => i.action === 'skip')).toBe(true);
    expect(res.body.counts).toEqual({ create: 0, update: 0, skip: 6, rename: 0, error: 0 });
    expect(res.body.items[0].id).toBe(t.integrationId);
    expect(await api.sql(`SELECT * FROM tasks WHERE tenant_id = $1 ORDER BY task_tag`, [t.id])).toEqual(before);
    expect((await counts(t.id)).integration_instances).toBe(0);
  });

  it('name_map renames on the way in, beside an existing title', async () => {
    const t = await tenantWithSplunk();
    const res = await importDoc(t.token, {
      document: documentOf([app('Splunk')]),
      import_type: 'skip',
      name_map: { Splunk: 'Splunk EU' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.items[0]).toMatchObject({
      kind: 'integration',
      name: 'Splunk',
      target_name: 'Splunk EU',
      action: 'create',
      renamed: true,
    });
    expect(res.body.counts).toMatchObject({ create: 5, rename: 1 });
    expect(res.body.items.slice(1).every((i: Json) => i.integration === 'Splunk EU')).toBe(true);
    expect((await tasksOf(t.id, 'Splunk EU')).length).toBe(4);
    expect((await tasksOf(t.id, 'Splunk')).map((x) => x.task_tag)).toEqual(['legacy', 'login']);
  });

  const twoApps = () => documentOf([app('First'), app('Second', [task('login'), BAD_TASK, task('after')])]);

  it('a failing task rolls back its integration alone; the others are imported (partial)', async () => {
    const t = await freshTenant();
    const res = await importDoc(t.token, { document: twoApps(), import_type: 'overwrite' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('partial');
    const second = res.body.items.filter((i: Json) => i.name === 'Second' || i.integration === 'Second');
    expect(second.every((i: Json) => i.action === 'error' && i.id === null)).toBe(true);
    const broken = second.find((i: Json) => i.name === 'broken');
    expect(broken.problems).toEqual([
      expect.objectContaining({
        code: 'invalid_template',
        field: expect.stringMatching(/^apps\[1\]\.tasks\[1\]\.request/),
      }),
    ]);
    expect(second.find((i: Json) => i.name === 'login').problems[0].code).toBe('rolled_back');
    expect(res.body.counts).toMatchObject({ create: 5, error: 4 });
    expect((await tasksOf(t.id, 'First')).length).toBe(4);
    expect(await api.sql(`SELECT id FROM integrations WHERE tenant_id = $1 AND title = 'Second'`, [t.id])).toEqual([]);
    expect((await counts(t.id)).tasks).toBe(4);
  });

  it('atomic: one failure writes nothing (failed)', async () => {
    const t = await freshTenant();
    const before = await counts(t.id);
    const res = await importDoc(t.token, { document: twoApps(), import_type: 'overwrite', atomic: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.items.every((i: Json) => i.action === 'error' && i.id === null)).toBe(true);
    expect(res.body.items[0].problems[0].code).toBe('rolled_back');
    expect(res.body.needs_secrets).toEqual([]);
    expect(await counts(t.id)).toEqual(before);
  });

  it('dry run answers what the real import answers and writes nothing', async () => {
    const dry = await freshTenant();
    const real = await freshTenant();
    const body = {
      document: documentOf([app('First', TASKS, [STUB]), app('Second', [task('login'), BAD_TASK])], {
        ...RESOURCES,
        chains: [chain([{ ...TASK_STEP, instance: { integration: 'First', title: 'Prod' } }, WEBHOOK_STEP])],
      }),
      import_type: 'overwrite',
      name_map: { First: 'Primary' },
    };
    const before = await counts(dry.id);
    const dryRun = await importDoc(dry.token, { ...body, dry_run: true });
    const realRun = await importDoc(real.token, body);
    expect(dryRun.status, dryRun.text).toBe(200);
    expect(realRun.status, realRun.text).toBe(200);
    const withoutIds = (report: Json) => ({
      ...report,
      dry_run: null,
      items: (report.items as Json[]).map((i) => ({ ...i, id: i.id === null ? null : 'id' })),
      needs_secrets: (report.needs_secrets as Json[]).map((n) => ({ ...n, instance_id: 'id' })),
    });
    expect(dryRun.body.dry_run).toBe(true);
    expect(withoutIds(dryRun.body)).toEqual(withoutIds(realRun.body));
    expect(realRun.body.status).toBe('partial');
    expect(await counts(dry.id)).toEqual(before);
    expect(await counts(real.id)).toMatchObject({ integrations: 1, monitors: 1, execution_chains: 1 });
    // Its audit row says it was a dry run.
    const [audit] = await api.sql(
      `SELECT changes FROM audit_events WHERE tenant_id = $1 AND action = 'transfer.import'`,
      [dry.id],
    );
    expect(audit.changes).toMatchObject({ dry_run: true, status: 'partial' });
  });

  it('reports an unresolvable reference, never drops it', async () => {
    const t = await freshTenant();
    const res = await importDoc(t.token, {
      document: documentOf([
        app(
          'Refs',
          [task('login'), task('search', { depends_on: ['login', 'ghost'] })],
          [{ ...STUB, health_check: { task_tag: 'nowhere', interval_seconds: 300 } }],
        ),
      ]),
      import_type: 'overwrite',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('failed');
    const problems = res.body.items.flatMap((i: Json) => i.problems as Json[]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'unresolved_reference', field: 'apps[0].tasks[1].depends_on[1]' }),
        expect.objectContaining({ code: 'unresolved_reference', field: 'apps[0].instances[0].health_check.task_tag' }),
      ]),
    );
    expect((await counts(t.id)).integrations).toBe(0);
  });

  it("imports an instance stub's ingestion settings; a task that is not an ingestion task or is nowhere fails the app", async () => {
    const ingestion = (tag: string) => ({
      task_tag: tag,
      interval_seconds: 600,
      items_path: '$.alerts',
      field_mapping: { external_id: '$.id', title: '$.rule' },
    });
    const stub = (tag: string) => ({ ...STUB, ingestion: ingestion(tag), secrets_required: ['fields.api_token'] });
    const t = await freshTenant();
    const res = await importDoc(t.token, {
      document: documentOf([
        app('Polled', TASKS, [stub('pull_alerts')]),
        app('Not ingesting', TASKS, [stub('search')]),
        app('Nowhere', TASKS, [stub('ghost')]),
      ]),
      import_type: 'overwrite',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('partial');
    const instances = res.body.items.filter((i: Json) => i.kind === 'instance');
    expect(instances[0]).toMatchObject({ action: 'create', problems: [] });
    expect(instances[1].problems[0].field).toMatch(/^apps\[1\]\.instances\[0\]\.ingestion/);
    expect(instances[2].problems).toEqual([
      expect.objectContaining({ code: 'unresolved_reference', field: 'apps[2].instances[0].ingestion.task_tag' }),
    ]);
    const rows = await api.sql(`SELECT instance_uuid, config FROM instance_ingestion WHERE tenant_id = $1`, [t.id]);
    expect(rows).toEqual([
      { instance_uuid: instances[0].id, config: expect.objectContaining({ task_tag: 'pull_alerts' }) },
    ]);
    expect((await counts(t.id)).integrations).toBe(1);
  });

  it('reports a body its create route refuses with the field path (class-validator rules)', async () => {
    const t = await freshTenant();
    const res = await importDoc(t.token, {
      document: documentOf([
        app('Bad body', [task('login', { surprise: 1 })], [{ ...STUB, base_url: 'ftp://siem.example.com' }]),
      ]),
      import_type: 'overwrite',
    });
    expect(res.status, res.text).toBe(200);
    const problems = res.body.items.flatMap((i: Json) => i.problems as Json[]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'apps[0].tasks[0].surprise', code: 'validation_failed' }),
      ]),
    );
    expect((await counts(t.id)).integrations).toBe(0);
  });

  it('applies licence quotas per item', async () => {
    const t = await freshTenant();
    const [{ n }] = await api.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM integrations WHERE deleted_at IS NULL`,
    );
    await useLicenseTerms(api, {
      quotas: { tenants: null, users: null, integrations: n + 1, instances: null, events_per_month: null },
    });
    try {
      const res = await importDoc(t.token, {
        document: documentOf([app('Fits', [task('login')]), app('Over quota', [task('login')])]),
        import_type: 'overwrite',
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.status).toBe('partial');
      const refused = res.body.items.find((i: Json) => i.name === 'Over quota');
      expect(refused.action).toBe('error');
      expect(refused.problems[0].code).toBe('license_quota_exceeded');
      expect((await counts(t.id)).integrations).toBe(1);
    } finally {
      await liftQuotas(api);
    }
  });

  it('imports subscriptions, inbound sources and monitors by name, with new secrets; overwrite and skip', async () => {
    const t = await freshTenant();
    const first = await importDoc(t.token, { document: documentOf([], RESOURCES), import_type: 'overwrite' });
    expect(first.status, first.text).toBe(200);
    expect(first.body.status, first.text).toBe('completed');
    expect(first.body.items.map((i: Json) => `${i.kind}:${i.name}:${i.action}`)).toEqual([
      'subscription:billing:create',
      'inbound_source:github-push:create',
      'monitor:Billing health:create',
    ]);
    const [sub] = await api.sql(`SELECT app_name, secret_sealed FROM webhook_subscriptions WHERE tenant_id = $1`, [
      t.id,
    ]);
    expect(sub.app_name).toBe('billing');
    expect(sub.secret_sealed).toBeTruthy();
    const [source] = await api.sql(`SELECT name, secret_sealed FROM inbound_sources WHERE tenant_id = $1`, [t.id]);
    expect(source).toMatchObject({ name: 'github-push' });
    expect(source.secret_sealed).toBeTruthy();
    // The new secrets are the services' own: never in the answer.
    expect(first.text).not.toMatch(/whsec_|"secret"/);

    const changed = {
      ...RESOURCES,
      monitors: [{ ...RESOURCES.monitors[0], interval_seconds: 600 }],
      subscriptions: [{ ...RESOURCES.subscriptions[0], description: 'changed' }],
    };
    const skipped = await importDoc(t.token, { document: documentOf([], changed), import_type: 'skip' });
    expect(skipped.body.items.map((i: Json) => i.action)).toEqual(['skip', 'skip', 'skip']);
    const overwritten = await importDoc(t.token, { document: documentOf([], changed), import_type: 'overwrite' });
    expect(overwritten.body.items.map((i: Json) => i.action)).toEqual(['update', 'update', 'update']);
    const [monitor] = await api.sql(`SELECT interval_seconds FROM monitors WHERE tenant_id = $1`, [t.id]);
    expect(monitor.interval_seconds).toBe(600);
    const counted = await api.sql(`SELECT count(*)::int AS n FROM webhook_subscriptions WHERE tenant_id = $1`, [t.id]);
    expect(counted[0].n).toBe(1);
  });

  it('refuses a secret or a tenant in a resource', async () => {
    const t = await freshTenant();
    const res = await importDoc(t.token, {
      document: documentOf([], {
        inbound_sources: [{ name: 'with-secret', provider: 'github', secret: 'supersecret-value' }],
        monitors: [
          { name: 'ok', url: 'https://ok.example.com/health', interval_seconds: 300 },
          { name: 'elsewhere', url: 'https://ok.example.com/health', tenant_id: t.id },
        ],
      }),
      import_type: 'overwrite',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('partial');
    expect(res.body.items).toEqual([
      expect.objectContaining({
        kind: 'inbound_source',
        action: 'error',
        problems: [expect.objectContaining({ field: 'inbound_sources[0].secret' })],
      }),
      expect.objectContaining({ kind: 'monitor', action: 'create' }),
      expect.objectContaining({
        kind: 'monitor',
        action: 'error',
        problems: [expect.objectContaining({ field: 'monitors[1].tenant_id' })],
      }),
    ]);
    expect(res.text).not.toContain('supersecret-value');
    expect((await api.sql(`SELECT id FROM inbound_sources WHERE tenant_id = $1`, [t.id])).length).toBe(0);
  });

  it("imports chains with their steps' references resolved by name (instance, subscription), then overwrites them", async () => {
    const t = await freshTenant();
    const res = await importDoc(t.token, {
      document: documentOf([app('Splunk', TASKS, [STUB])], {
        subscriptions: RESOURCES.subscriptions,
        chains: [chain([TASK_STEP, WEBHOOK_STEP])],
      }),
      import_type: 'overwrite',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status, res.text).toBe('completed');
    const imported = res.body.items.find((i: Json) => i.kind === 'chain');
    expect(imported).toMatchObject({ name: 'Alert flow', action: 'create' });
    const [instance] = await api.sql(`SELECT id FROM integration_instances WHERE tenant_id = $1`, [t.id]);
    const [sub] = await api.sql(`SELECT id FROM webhook_subscriptions WHERE tenant_id = $1`, [t.id]);
    const got = await api.request('GET', `/api/v1/chains/${imported.id}`, { token: t.token });
    expect(got.status, got.text).toBe(200);
    expect(got.body.steps[0]).toMatchObject({ type: 'task', instance_id: instance.id, task_tag: 'search' });
    expect(got.body.steps[1]).toMatchObject({ type: 'webhook', webhook_id: sub.id });

    const again = await importDoc(t.token, {
      document: documentOf([], { chains: [chain([WEBHOOK_STEP], { description: 'webhook only' })] }),
      import_type: 'overwrite',
    });
    expect(again.body.items[0], again.text).toMatchObject({ kind: 'chain', action: 'update', id: imported.id });
    const updated = await api.request('GET', `/api/v1/chains/${imported.id}`, { token: t.token });
    expect(updated.body).toMatchObject({ description: 'webhook only', version: 2 });
    expect(updated.body.steps).toHaveLength(1);
  });

  it('reports a chain step naming an instance or a subscription the tenant does not have', async () => {
    const t = await freshTenant();
    const res = await importDoc(t.token, {
      document: documentOf([], { chains: [chain([TASK_STEP, WEBHOOK_STEP])] }),
      import_type: 'overwrite',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.items[0].problems).toEqual([
      expect.objectContaining({ code: 'unresolved_reference', field: 'chains[0].steps[0].instance.integration' }),
      expect.objectContaining({ code: 'unresolved_reference', field: 'chains[0].steps[1].subscription' }),
    ]);
    expect((await api.sql(`SELECT id FROM execution_chains WHERE tenant_id = $1`, [t.id])).length).toBe(0);

    // The export writes null for a step whose subscription or instance it could not resolve: reported, not dropped.
    const nulls = await importDoc(t.token, {
      document: documentOf([], {
        chains: [
          chain([
            { ...TASK_STEP, instance: null },
            { ...WEBHOOK_STEP, subscription: null },
          ]),
        ],
      }),
      import_type: 'overwrite',
    });
    expect(nulls.status, nulls.text).toBe(200);
    expect(nulls.body.items[0].problems).toEqual([
      expect.objectContaining({ code: 'unresolved_reference', field: 'chains[0].steps[0].instance' }),
      expect.objectContaining({ code: 'unresolved_reference', field: 'chains[0].steps[1].subscription' }),
    ]);
  });

  it('never fails with a 5xx on shapes the schema should have refused: refused whole, or item by item', async () => {
    const t = await freshTenant();
    const before = await counts(t.id);
    const res = await importDoc(t.token, {
      document: documentOf(
        [
          { integration: null, logo: { base64: 42 }, tasks: [null, 'x'], instances: [7] },
          { ...app('Odd', [task('login')]), logo: { content_type: 'image/png', base64: 'not an image' } },
        ],
        { monitors: [null, 'text'], chains: [{ name: 'c', steps: [null, { subscription: 3 }] }] },
      ),
      import_type: 'overwrite',
    });
    // The document guard may refuse it whole (400); otherwise every item is an error.
    if (res.status === 400) expect(res.body.error.code).toBe('invalid_document');
    else {
      expect(res.status, res.text).toBe(200);
      expect(res.body.status).toBe('failed');
      expect(
        res.body.items.map((i: Json) => i.action).filter((a: string) => a !== 'error'),
        res.text,
      ).toEqual([]);
    }
    expect(await counts(t.id)).toEqual(before);
  });

  it('takes documents bigger than the default body limit', async () => {
    const t = await freshTenant();
    const body = JSON.stringify({ document: documentOf([app('Big')]), import_type: 'overwrite' });
    // 3 MB of insignificant whitespace: over BODY_LIMIT_BYTES (1 MB), under the import's limit.
    const padded = body.replace('{', `{${' '.repeat(3 * 1024 * 1024)}`);
    const res = await api.request('POST', '/api/v1/transfer/import', { token: t.token, rawBody: padded });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('completed');
  });

  it('refuses a body that is not a document (400, nothing written) and a caller without the permission', async () => {
    const t = await freshTenant();
    const bad = await importDoc(t.token, { document: { format: 'other' }, import_type: 'overwrite' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_document');
    // Recorded as a failure, with the options only.
    const [refused] = await api.sql(
      `SELECT outcome, changes FROM audit_events WHERE tenant_id = $1 AND action = 'transfer.import'`,
      [t.id],
    );
    expect(refused).toEqual({ outcome: 'failure', changes: { import_type: 'overwrite' } });
    const badOptions = await importDoc(t.token, { document: documentOf([]), import_type: 'merge' });
    expect(badOptions.status).toBe(400);
    const analyst = await api.seedUser(t.code, 'analyst');
    const denied = await importDoc(analyst.token, { document: documentOf([app('X')]), import_type: 'overwrite' });
    expect(denied.status).toBe(403);
    expect((await counts(t.id)).integrations).toBe(0);
  });
});
