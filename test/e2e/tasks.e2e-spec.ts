// The catalogue's tasks (issue 17, seed 002 TASKS): REST CRUD under /api/v1/integrations/{id}/tasks, the seed's
// /apps/v1/task paths with the seed's shapes, definitions checked against the integration at save and by
// verify-generic, per-tenant task numbers under concurrency, deletion checks, the integration's deletion marking its
// tasks inactive, roles, API-key scopes and isolation.
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { TestApi, startTestApi } from '../support/test-api';
import { liftQuotas } from '../support/test-license';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const INTEGRATION_FIELDS = [
  { name: 'api_url', label: 'API URL', type: 'url', required: true },
  { name: 'region', type: 'select', options: ['eu', 'us'], default: 'eu' },
];

/** A task as the seed defines it: input fields, output fields (JSONPath), a request with references. */
const taskBody = (tag: string, extra: Record<string, unknown> = {}) => ({
  name: `Task ${tag}`,
  task_tag: tag,
  description: 'Search alerts',
  input_fields: [
    { name: 'query', label: 'Query', type: 'text', required: true, validation: { max_length: 100 } },
    { name: 'limit', type: 'number', default: 10, validation: { min: 1, max: 500 } },
    { name: 'severity', type: 'select', options: ['low', 'high'] },
  ],
  output_fields: [
    { name: 'alerts', path: '$.data.alerts[*]', type: 'object', is_array: true },
    { name: 'total', path: '$.data.total', type: 'number' },
  ],
  request: {
    method: 'GET',
    path: '/{{instance.region}}/alerts',
    query: { q: '{{input.query}}', limit: '{{input.limit}}' },
    headers: { Authorization: 'Bearer {{credentials.token}}' },
  },
  execution_order: 1,
  error_handling: { retries: 2, backoff: 'exponential', backoff_ms: 500, timeout_ms: 10000 },
  ...extra,
});

describe('tasks', () => {
  let api: TestApi;
  let admin: { id: string; token: string };
  let analyst: { token: string };
  let otherAdmin: { token: string };
  let integration: { id: string; integration_id: number };

  beforeAll(async () => {
    api = await startTestApi();
    await liftQuotas(api);
    await api.seedTenant('acme');
    await api.seedTenant('globex');
    admin = await api.seedUser('acme', 'tenant_admin');
    analyst = await api.seedUser('acme', 'analyst');
    otherAdmin = await api.seedUser('globex', 'tenant_admin');
    integration = await newIntegration('Splunk');
  });
  afterAll(async () => {
    await api?.close();
  });

  async function newIntegration(title: string, token = admin.token) {
    const res = await api.request('POST', '/api/v1/integrations', {
      token,
      body: { title, fields: INTEGRATION_FIELDS },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; integration_id: number };
  }
  const tasksUrl = (integrationId = integration.id) => `/api/v1/integrations/${integrationId}/tasks`;
  const create = (body: Record<string, unknown>, integrationId = integration.id, token = admin.token) =>
    api.request('POST', tasksUrl(integrationId), { token, body });
  const audits = async (action: string) =>
    (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = $1`, [action]))[0].n;

  it('creates, reads, lists (cursor), updates and soft-deletes a task over REST; every change audited', async () => {
    const res = await create(taskBody('search_alerts'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      integration_uuid: integration.id,
      integration_id: integration.integration_id,
      name: 'Task search_alerts',
      task_tag: 'search_alerts',
      depends_on: [],
      status: 'active',
      ingest_cases: false,
      case_ingestion_config: null,
      execution_order: 1,
      error_handling: { retries: 2, backoff: 'exponential', backoff_ms: 500, timeout_ms: 10000 },
      request: { method: 'GET', path: '/{{instance.region}}/alerts', body: null },
      created_by: admin.id,
    });
    expect(res.body.task_id).toBeGreaterThan(0);
    expect(res.body.output_fields[1]).toEqual({ name: 'total', path: '$.data.total', type: 'number', is_array: false });
    expect(res.body.input_fields[0]).toMatchObject({ name: 'query', label: 'Query', required: true });
    const second = await create(taskBody('get_alert', { depends_on: ['search_alerts'], status: 'draft' }));
    expect(second.status).toBe(201);
    expect(second.body.task_id).toBe(res.body.task_id + 1);

    const got = await api.request('GET', `${tasksUrl()}/${res.body.id}`, { token: analyst.token });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    const page1 = await api.request('GET', `${tasksUrl()}?limit=1`, { token: analyst.token });
    expect(page1.body.data.map((t: { task_tag: string }) => t.task_tag)).toEqual(['get_alert']);
    const page2 = await api.request('GET', `${tasksUrl()}?limit=1&cursor=${page1.body.next_cursor}`, {
      token: analyst.token,
    });
    expect(page2.body.data.map((t: { task_tag: string }) => t.task_tag)).toEqual(['search_alerts']);
    expect(page2.body.next_cursor).toBeNull();
    const drafts = await api.request('GET', `${tasksUrl()}?status=draft`, { token: analyst.token });
    expect(drafts.body.data.map((t: { task_tag: string }) => t.task_tag)).toEqual(['get_alert']);

    const patched = await api.request('PATCH', `${tasksUrl()}/${res.body.id}`, {
      token: admin.token,
      body: { name: 'Search', status: 'inactive' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Search', status: 'inactive', task_tag: 'search_alerts' });
    expect(patched.body.request).toEqual(res.body.request);
    // A tag others depend on cannot change; the task cannot be deleted while they do.
    const retag = await api.request('PATCH', `${tasksUrl()}/${res.body.id}`, {
      token: admin.token,
      body: { task_tag: 'renamed' },
    });
    expect(retag.status).toBe(400);
    expect(retag.body.error.details.map((d: { code: string }) => d.code)).toEqual(['tag_in_use']);
    const blocked = await api.request('DELETE', `${tasksUrl()}/${res.body.id}`, { token: admin.token });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('task_has_dependents');

    expect((await api.request('DELETE', `${tasksUrl()}/${second.body.id}`, { token: admin.token })).status).toBe(204);
    expect((await api.request('DELETE', `${tasksUrl()}/${res.body.id}`, { token: admin.token })).status).toBe(204);
    const [row] = await api.sql(`SELECT status, deleted_at FROM tasks WHERE id = $1`, [res.body.id]);
    expect(row.status).toBe('deleted');
    expect(row.deleted_at).not.toBeNull();
    expect((await api.request('GET', `${tasksUrl()}/${res.body.id}`, { token: admin.token })).status).toBe(404);
    const deleted = await api.request('GET', `${tasksUrl()}?status=deleted`, { token: admin.token });
    expect(deleted.body.data).toHaveLength(2);
    // The tag is free again; the number is not reused.
    const again = await create(taskBody('search_alerts'));
    expect(again.status).toBe(201);
    expect(again.body.task_id).toBe(second.body.task_id + 1);

    expect(await audits('task.create')).toBe(3);
    expect(await audits('task.update')).toBe(2); // the refused retag is audited as a failure too
    expect(await audits('task.delete')).toBe(3);
  });

  it('refuses bad definitions with 400 and writes nothing: field definitions, references, paths, cycles', async () => {
    const before = (await api.sql(`SELECT count(*)::int AS n FROM tasks`))[0].n;
    const badField = await create(taskBody('bad_field', { input_fields: [{ name: 'x', type: 'colour' }] }));
    expect(badField.status).toBe(400);
    expect(badField.body.error.code).toBe('invalid_field_definition');
    expect(badField.body.error.details[0].field).toMatch(/^input_fields\.x/);

    const badRefs = await create(
      taskBody('bad_refs', {
        request: { method: 'GET', path: '/{{input.nope}}', headers: { 'X-Key': '{{credentials.pin}}' } },
        output_fields: [{ name: 'o', path: '$..[', type: 'string' }],
      }),
    );
    expect(badRefs.status).toBe(400);
    expect(badRefs.body.error.code).toBe('invalid_task_definition');
    const codes = badRefs.body.error.details.map((d: { field: string; code: string }) => `${d.field}:${d.code}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'request.path:unknown_reference',
        'request.headers.X-Key:unknown_reference',
        'output_fields[0].path:invalid_json_path',
      ]),
    );

    const a = await create(taskBody('cycle_a'));
    const b = await create(taskBody('cycle_b', { depends_on: ['cycle_a'] }));
    expect([a.status, b.status]).toEqual([201, 201]);
    const cycle = await api.request('PATCH', `${tasksUrl()}/${a.body.id}`, {
      token: admin.token,
      body: { depends_on: ['cycle_b'] },
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.code).toBe('task_dependency_cycle');
    expect(cycle.body.error.details.some((d: { code: string }) => d.code === 'task_dependency_cycle')).toBe(true);
    const dup = await create(taskBody('cycle_a'));
    expect(dup.status).toBe(400);
    expect(dup.body.error.details.map((d: { code: string }) => d.code)).toEqual(['duplicate_tag']);
    expect((await api.sql(`SELECT count(*)::int AS n FROM tasks`))[0].n).toBe(before + 2);
    const [saved] = await api.sql(`SELECT depends_on FROM tasks WHERE id = $1`, [a.body.id]);
    expect(saved.depends_on).toEqual([]);
  });

  it('serves the seed paths: upsert by id, get, verify-generic, input schema (Ajv), fields, deletion check', async () => {
    const seedIntegration = await newIntegration('CrowdStrike');
    const upsert = (body: Record<string, unknown>, token = admin.token) =>
      api.request('POST', '/apps/v1/task/generic', { token, body });
    const created = await upsert({
      id: 0,
      integration_id: seedIntegration.integration_id,
      tenant_code: 'acme',
      ...taskBody('list_hosts'),
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: 'created', message: 'Task created', task_id: expect.any(Number) });
    const taskId = created.body.task_id as number;
    const updated = await upsert({
      id: taskId,
      integration_id: seedIntegration.integration_id,
      tenant_code: 'acme',
      description: 'Lists hosts',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ status: 'updated', task_id: taskId, id: created.body.id });
    expect(updated.body.task.description).toBe('Lists hosts');
    expect((await upsert({ id: 999999, integration_id: seedIntegration.integration_id, name: 'x' })).status).toBe(404);

    const got = await api.request('GET', `/apps/v1/task/generic/acme/${seedIntegration.integration_id}/${taskId}`, {
      token: analyst.token,
    });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ task_tag: 'list_hosts', description: 'Lists hosts', task_id: taskId });
    expect(
      (
        await api.request('GET', `/apps/v1/task/generic/acme/${integration.integration_id}/${taskId}`, {
          token: analyst.token,
        })
      ).status,
    ).toBe(404);
    expect(
      (await api.request('GET', `/apps/v1/task/generic/globex/1/${taskId}`, { token: analyst.token })).status,
    ).toBe(404);

    // The input schema is a JSON Schema a standard validator applies.
    const input = await api.request('GET', `/apps/v1/task/input/acme/${taskId}`, { token: analyst.token });
    expect(input.status).toBe(200);
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(input.body);
    expect(validate({ query: 'host:web', limit: 20, severity: 'high' })).toBe(true);
    expect(validate({ limit: 20 })).toBe(false); // query required
    expect(validate({ query: 'x', limit: 501 })).toBe(false);
    expect(validate({ query: 'x', severity: 'mid' })).toBe(false);
    expect(validate({ query: 'x'.repeat(101) })).toBe(false);

    const fields = await api.request('GET', `/apps/v1/task/fields/acme/${taskId}`, { token: analyst.token });
    expect(fields.body).toEqual([
      { name: 'alerts', path: '$.data.alerts[*]', type: 'object', is_array: true },
      { name: 'total', path: '$.data.total', type: 'number', is_array: false },
    ]);
    const arrays = await api.request('GET', `/apps/v1/task/output-fields/acme/${taskId}`, { token: analyst.token });
    expect(arrays.body).toEqual([{ name: 'alerts', path: '$.data.alerts[*]', type: 'object', is_array: true }]);
    expect((await api.request('GET', `/apps/v1/task/input/globex/${taskId}`, { token: analyst.token })).status).toBe(
      404,
    );
    expect((await api.request('GET', `/apps/v1/task/input/acme/abc`, { token: analyst.token })).status).toBe(404);

    // verify-generic: 200 either way, nothing saved.
    const verify = (body: Record<string, unknown>) =>
      api.request('POST', '/apps/v1/task/verify-generic', {
        token: admin.token,
        body: { integration_id: seedIntegration.integration_id, tenant_code: 'acme', ...body },
      });
    const ok = await verify(taskBody('next_task', { depends_on: ['list_hosts'] }));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ valid: true, errors: [] });
    const unknownRef = await verify(taskBody('next_task', { request: { method: 'GET', path: '/{{input.missing}}' } }));
    expect(unknownRef.status).toBe(200);
    expect(unknownRef.body.valid).toBe(false);
    expect(unknownRef.body.errors).toEqual([
      expect.objectContaining({ field: 'request.path', code: 'unknown_reference' }),
    ]);
    const badPath = await verify(
      taskBody('next_task', { output_fields: [{ name: 'x', path: 'data.x', type: 'any' }] }),
    );
    expect(badPath.body.errors).toEqual([
      expect.objectContaining({ field: 'output_fields[0].path', code: 'invalid_json_path' }),
    ]);
    // A cycle across saved tasks: list_hosts <- child; making list_hosts depend on child closes it.
    const child = await upsert({
      integration_id: seedIntegration.integration_id,
      ...taskBody('child', { depends_on: ['list_hosts'] }),
    });
    expect(child.status).toBe(200);
    const cyclic = await verify({ id: taskId, ...taskBody('list_hosts', { depends_on: ['child'] }) });
    expect(cyclic.status).toBe(200);
    expect(cyclic.body.valid).toBe(false);
    expect(cyclic.body.errors.map((e: { code: string }) => e.code)).toContain('task_dependency_cycle');
    const badFieldDef = await verify(taskBody('next_task', { input_fields: [{ name: '1x', type: 'text' }] }));
    expect(badFieldDef.body.errors[0]).toMatchObject({ code: 'invalid_field_definition' });
    expect((await api.sql(`SELECT count(*)::int AS n FROM tasks WHERE task_tag = 'next_task'`))[0].n).toBe(0);

    // generic-validate: list_hosts has a dependent, child has none.
    const check = (id: number) =>
      api.request('POST', '/apps/v1/task/generic-validate', {
        token: admin.token,
        body: { task_id: id, tenant_code: 'acme' },
      });
    expect((await check(taskId)).body).toEqual({
      deletable: false,
      dependents: [{ kind: 'task', id: child.body.id, name: 'Task child' }],
    });
    expect((await check(child.body.task_id)).body).toEqual({ deletable: true, dependents: [] });
    expect((await check(999999)).status).toBe(404);
  });

  it("counts an ingestion task's dependent_tasks as users of those tasks: checked at save, blocking delete and rename", async () => {
    const target = await newIntegration('Ingesting');
    const details = await create(taskBody('alert_details'), target.id);
    expect(details.status).toBe(201);
    const unknown = await create(
      taskBody('pull_alerts', { ingest_cases: true, case_ingestion_config: { dependent_tasks: ['nope'] } }),
      target.id,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([
      expect.objectContaining({ field: 'case_ingestion_config.dependent_tasks[0]', code: 'unknown_dependency' }),
    ]);
    // An entry's keys are task_tag, input (the task's input fields) and on_error: anything else is refused.
    const badEntry = await create(
      taskBody('pull_alerts', {
        ingest_cases: true,
        case_ingestion_config: {
          dependent_tasks: [{ task_tag: 'alert_details', per_item: true, input: { nope: '$.id' }, on_error: 'stop' }],
        },
      }),
      target.id,
    );
    expect(badEntry.status).toBe(400);
    expect(badEntry.body.error.details).toEqual([
      expect.objectContaining({ field: 'case_ingestion_config.dependent_tasks[0].per_item', code: 'unknown_key' }),
      expect.objectContaining({ field: 'case_ingestion_config.dependent_tasks[0].on_error', code: 'invalid_value' }),
      expect.objectContaining({ field: 'case_ingestion_config.dependent_tasks[0].input.nope', code: 'unknown_input' }),
    ]);
    const ingest = await create(
      taskBody('pull_alerts', {
        ingest_cases: true,
        case_ingestion_config: {
          dependent_tasks: [{ task_tag: 'alert_details', input: { query: 'item.id' }, on_error: 'skip' }],
        },
      }),
      target.id,
    );
    expect(ingest.status, ingest.text).toBe(201);
    const check = await api.request('POST', '/apps/v1/task/generic-validate', {
      token: admin.token,
      body: { task_id: details.body.task_id, tenant_code: 'acme' },
    });
    expect(check.body).toEqual({
      deletable: false,
      dependents: [{ kind: 'case_ingestion', id: ingest.body.id, name: 'Task pull_alerts' }],
    });
    const removed = await api.request('DELETE', `${tasksUrl(target.id)}/${details.body.id}`, { token: admin.token });
    expect(removed.status).toBe(409);
    expect(removed.body.error.code).toBe('task_has_dependents');
    const renamed = await api.request('PATCH', `${tasksUrl(target.id)}/${details.body.id}`, {
      token: admin.token,
      body: { task_tag: 'alert_info' },
    });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error.details).toEqual([expect.objectContaining({ field: 'task_tag', code: 'tag_in_use' })]);
    // Once the ingestion task no longer names it, it goes.
    const freed = await api.request('PATCH', `${tasksUrl(target.id)}/${ingest.body.id}`, {
      token: admin.token,
      body: { case_ingestion_config: { dependent_tasks: [] } },
    });
    expect(freed.status).toBe(200);
    expect(
      (await api.request('DELETE', `${tasksUrl(target.id)}/${details.body.id}`, { token: admin.token })).status,
    ).toBe(204);
  });

  it('never saves a cycle from concurrent changes: of a -> b and b -> a sent together, one is refused', async () => {
    // Five integrations raced at once, so a missing lock shows even when one pair happens to run in turn.
    const rounds = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const target = await newIntegration(`Racing ${i}`);
        const a = await create(taskBody('a'), target.id);
        const b = await create(taskBody('b'), target.id);
        return { target, a: a.body.id as string, b: b.body.id as string };
      }),
    );
    const results = await Promise.all(
      rounds.map(({ target, a, b }) =>
        Promise.all([
          api.request('PATCH', `${tasksUrl(target.id)}/${a}`, { token: admin.token, body: { depends_on: ['b'] } }),
          api.request('PATCH', `${tasksUrl(target.id)}/${b}`, { token: admin.token, body: { depends_on: ['a'] } }),
        ]),
      ),
    );
    for (const pair of results) {
      expect(pair.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(pair.find((r) => r.status === 400)?.body.error.code).toBe('task_dependency_cycle');
    }
    const rows = await api.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM tasks WHERE integration_uuid = ANY($1::uuid[]) AND cardinality(depends_on) > 0`,
      [rounds.map((r) => r.target.id)],
    );
    expect(rows[0].n).toBe(5);
  });

  it('numbers 50 concurrent creations with distinct task_ids', async () => {
    const target = await newIntegration('Concurrent');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => create(taskBody(`t_${i}`), target.id)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const ids = results.map((r) => r.body.task_id as number);
    expect(new Set(ids).size).toBe(50);
    const rows = await api.sql(`SELECT count(DISTINCT task_id)::int AS n FROM tasks WHERE integration_uuid = $1`, [
      target.id,
    ]);
    expect(rows[0].n).toBe(50);
  });

  it("marks an integration's tasks inactive when DELETE /apps/v1/app deletes it (they do not block it)", async () => {
    const doomed = await newIntegration('Doomed');
    const t1 = await create(taskBody('one'), doomed.id);
    const t2 = await create(taskBody('two', { depends_on: ['one'] }), doomed.id);
    const other = await create(taskBody('elsewhere'));
    const res = await api.request('DELETE', '/apps/v1/app', {
      token: admin.token,
      body: { integration_id: doomed.integration_id, tenant_code: 'acme' },
    });
    expect(res.status).toBe(200);
    expect(res.body.dependents).toEqual([]);
    const rows = await api.sql<{ id: string; status: string }>(
      `SELECT id, status FROM tasks WHERE id = ANY($1::uuid[]) ORDER BY task_id`,
      [[t1.body.id, t2.body.id, other.body.id]],
    );
    expect(rows.map((r) => r.status)).toEqual(['inactive', 'inactive', 'active']);
    // Its tasks are no longer reachable through it.
    expect((await api.request('GET', tasksUrl(doomed.id), { token: admin.token })).status).toBe(404);
  });

  it('lets analysts read but not write; keeps tenants apart; holds API keys to tasks scopes', async () => {
    const denied = await create(taskBody('by_analyst'), integration.id, analyst.token);
    expect(denied.status).toBe(403);
    // Another tenant sees neither the integration's tasks nor can it write them.
    expect((await api.request('GET', tasksUrl(), { token: otherAdmin.token })).status).toBe(404);
    expect((await create(taskBody('intruder'), integration.id, otherAdmin.token)).status).toBe(404);
    const list = await api.request('GET', tasksUrl(), { token: admin.token });
    const anyTask = list.body.data[0] as { id: string; task_id: number };
    expect((await api.request('GET', `${tasksUrl()}/${anyTask.id}`, { token: otherAdmin.token })).status).toBe(404);
    expect(
      (await api.request('GET', `/apps/v1/task/input/acme/${anyTask.task_id}`, { token: otherAdmin.token })).status,
    ).toBe(404);
    expect(
      (await api.request('GET', `/apps/v1/task/input/globex/${anyTask.task_id}`, { token: otherAdmin.token })).status,
    ).toBe(404);

    const reader = await api.request('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'tasks reader', scopes: ['tasks:read'] },
    });
    expect(reader.status).toBe(201);
    expect((await api.request('GET', tasksUrl(), { apiKey: reader.body.key })).status).toBe(200);
    expect((await api.request('POST', tasksUrl(), { apiKey: reader.body.key, body: taskBody('k') })).status).toBe(403);
    const integrationsOnly = await api.request('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'integrations only', scopes: ['integrations:read'] },
    });
    expect((await api.request('GET', tasksUrl(), { apiKey: integrationsOnly.body.key })).status).toBe(403);
    const writer = await api.request('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'tasks writer', scopes: ['tasks:write'] },
    });
    expect((await api.request('POST', tasksUrl(), { apiKey: writer.body.key, body: taskBody('by_key') })).status).toBe(
      201,
    );
  });

  it("reads a shared integration's tasks below its owner (shared_from), never writes them; others see nothing", async () => {
    await api.seedTenant('mssp', 'acme');
    await api.seedTenant('customer', 'mssp');
    await api.seedTenant('sibling', 'acme');
    const mssp = await api.seedUser('mssp', 'mssp_admin');
    const customer = await api.seedUser('customer', 'tenant_admin');
    const sibling = await api.seedUser('sibling', 'tenant_admin');
    const sharedRes = await api.request('POST', '/api/v1/integrations', {
      token: mssp.token,
      body: { title: 'MSSP Shared', fields: INTEGRATION_FIELDS, shared: true },
    });
    const privateRes = await api.request('POST', '/api/v1/integrations', {
      token: mssp.token,
      body: { title: 'MSSP Private', fields: INTEGRATION_FIELDS },
    });
    const sharedTask = await create(taskBody('shared_task'), sharedRes.body.id, mssp.token);
    const privateTask = await create(taskBody('private_task'), privateRes.body.id, mssp.token);
    expect([sharedTask.status, privateTask.status]).toEqual([201, 201]);
    const msspId = (await api.sql<{ id: string }>(`SELECT id FROM tenants WHERE code = 'mssp'`))[0].id;

    const list = await api.request('GET', tasksUrl(sharedRes.body.id), { token: customer.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((t: { id: string }) => t.id)).toEqual([sharedTask.body.id]);
    expect(list.body.data[0]).toMatchObject({ shared_from: msspId, created_by: null, task_tag: 'shared_task' });
    const got = await api.request('GET', `${tasksUrl(sharedRes.body.id)}/${sharedTask.body.id}`, {
      token: customer.token,
    });
    expect(got.status).toBe(200);
    expect((await api.request('GET', tasksUrl(sharedRes.body.id), { token: mssp.token })).body.data[0]).toMatchObject({
      shared_from: null,
      created_by: mssp.id,
    });
    // Only the owner writes them.
    const write = await create(taskBody('mine'), sharedRes.body.id, customer.token);
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('integration_not_owned');
    const patch = await api.request('PATCH', `${tasksUrl(sharedRes.body.id)}/${sharedTask.body.id}`, {
      token: customer.token,
      body: { name: 'taken over' },
    });
    expect(patch.status).toBe(403);
    // An unshared integration, and a tenant outside the MSSP's tree: nothing.
    expect((await api.request('GET', tasksUrl(privateRes.body.id), { token: customer.token })).status).toBe(404);
    expect((await api.request('GET', tasksUrl(sharedRes.body.id), { token: sibling.token })).status).toBe(404);
    // Unsharing hides the tasks again.
    await api.request('PATCH', `/api/v1/integrations/${sharedRes.body.id}`, {
      token: mssp.token,
      body: { shared: false },
    });
    expect((await api.request('GET', tasksUrl(sharedRes.body.id), { token: customer.token })).status).toBe(404);
  });

  it('refuses status deleted in a definition (DELETE only) and an empty PATCH', async () => {
    const res = await create(taskBody('zombie', { status: 'deleted' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'status', code: 'invalid_value' })]);
    const ok = await create(taskBody('alive'));
    const empty = await api.request('PATCH', `${tasksUrl()}/${ok.body.id}`, { token: admin.token, body: {} });
    expect(empty.status).toBe(400);
  });

  it("shows its integration's logo, so a new logo of the integration shows on its tasks at once", async () => {
    const holder = await newIntegration('Logo holder');
    const task = await create(taskBody('with_logo'), holder.id);
    expect(task.status).toBe(201);
    expect(task.body.logo_url).toBe(`/api/v1/integrations/${holder.id}/logo`);
    const logo = async (url: string) => {
      const res = await fetch(`${api.baseUrl}${url}`, { headers: { authorization: `Bearer ${analyst.token}` } });
      return { type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    expect((await logo(task.body.logo_url)).type).toMatch(/^image\/svg\+xml/); // the default logo
    const put = await fetch(`${api.baseUrl}/api/v1/integrations/${holder.id}/logo`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(put.status).toBe(200);
    const again = await api.request('GET', `${tasksUrl(holder.id)}/${task.body.id}`, { token: analyst.token });
    const shown = await logo(again.body.logo_url);
    expect(shown.type).toBe('image/png');
    expect(shown.bytes.equals(PNG)).toBe(true);
  });
});
