// Dedicated-database tenants and an MSSP's shared catalogue (docs/dedicated-tenants.md, "Shared catalogue across
// databases"): the MSSP parent in the core database shares an integration with a task; its customer child, made
// dedicated, lists and reads it (REST, its tasks, the seed's list), creates an instance of it, saves a chain with a
// task step and case ingestion settings on it and runs its task against a tool on 127.0.0.1 with the worker. The
// instance, settings and run rows are in the child's database, nothing of the child in the core database; the parent
// un-sharing it is refused while the child uses it, then (force) stops the child's instance in the child's database;
// un-sharing and deleting it is seen at once.
// The other way round (a shared child of a dedicated parent) reads the parent's shared catalogue but is refused an
// instance of it (the core database keeps its foreign keys).
import { TenantDatabases } from '@conduit/database';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';
import { databaseUrl, dropDatabase, sqlIn, tenantRows, withAdminClient } from '../support/postgres-admin';
import { liftQuotas } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
const TOOL_TOKEN = 'tool-bearer-token-c4t4';

describe('dedicated-database tenants: the shared catalogue of a parent in another database', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let kidDb: string;
  let parentDb: string;
  let mssp: { id: string };
  let kid: { id: string };
  let msspAdmin: { token: string };
  let kidAdmin: { token: string };
  let dmsspAdmin: { token: string };
  let kid2Admin: { token: string };
  let integrationId: string;
  let instanceId: string;

  beforeAll(async () => {
    stack = await startTestStack({ config: { DEDICATED_DATABASE_HOSTS: '127.0.0.1', DEDICATED_POOL_SIZE: '3' } });
    receiver = await startWebhookReceiver();
    const api = stack.api;
    kidDb = `${api.db.name}_kid`;
    parentDb = `${api.db.name}_dmssp`;
    await withAdminClient(async (client) => {
      await client.query(`CREATE DATABASE "${kidDb}"`);
      await client.query(`CREATE DATABASE "${parentDb}"`);
    });
    await liftQuotas(api);
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    const root = (await api.login('root@platform.test', PASSWORD)).access_token;
    mssp = await api.seedTenant('mssp');
    kid = await api.seedTenant('kid', 'mssp');
    const dmssp = await api.seedTenant('dmssp');
    await api.seedTenant('kid2', 'dmssp');
    msspAdmin = await api.seedUser('mssp', 'mssp_admin');
    kidAdmin = await api.seedUser('kid', 'tenant_admin');
    dmsspAdmin = await api.seedUser('dmssp', 'mssp_admin');
    kid2Admin = await api.seedUser('kid2', 'tenant_admin');
    for (const [id, name] of [
      [kid.id, kidDb],
      [dmssp.id, parentDb],
    ]) {
      const switched = await api.request('PUT', `/api/v1/tenants/${id}/isolation`, {
        token: root,
        body: { isolation: 'dedicated', database_url: databaseUrl(name) },
      });
      expect(switched.status, switched.text).toBe(200);
    }
    await stack.get(TenantDatabases).refresh();
    receiver.respond(
      () => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ verdict: 'benign' }),
      }),
      '/tool/ip/198.51.100.9',
    );
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
    await withAdminClient(async (client) => {
      if (kidDb) await dropDatabase(client, kidDb);
      if (parentDb) await dropDatabase(client, parentDb);
    });
  });

  const as = (who: () => { token: string }) => (method: string, path: string, body?: unknown) =>
    stack.api.request(method, path, { token: who().token, body });
  const parent = as(() => msspAdmin);
  const child = as(() => kidAdmin);

  /** Raw SQL as the owner in a dedicated database (bypasses RLS). */
  const dedicatedSql = sqlIn;

  it('the parent shares an integration with a task; the dedicated child lists and reads both', async () => {
    const created = await parent('POST', '/api/v1/integrations', { title: 'MSSP Intel', shared: true });
    expect(created.status, created.text).toBe(201);
    integrationId = created.body.id;
    const task = await parent('POST', `/api/v1/integrations/${integrationId}/tasks`, {
      name: 'Look up IP',
      task_tag: 'lookup_ip',
      input_fields: [{ name: 'ip', label: 'IP', type: 'text', required: true }],
      request: { method: 'GET', path: '/ip/{{input.ip}}' },
      output_fields: [{ name: 'verdict', path: '$.verdict', type: 'string' }],
    });
    expect(task.status, task.text).toBe(201);
    const pull = await parent('POST', `/api/v1/integrations/${integrationId}/tasks`, {
      name: 'Pull alerts',
      task_tag: 'pull_alerts',
      request: { method: 'GET', path: '/alerts' },
      output_fields: [{ name: 'alerts', path: '$.alerts', type: 'any', is_array: true }],
      ingest_cases: true,
      case_ingestion_config: {},
    });
    expect(pull.status, pull.text).toBe(201);
    // The parent's rows are in the core database, none in the child's.
    expect(await stack.api.sql(`SELECT id FROM integrations WHERE id = $1`, [integrationId])).toHaveLength(1);
    expect(await dedicatedSql(kidDb, `SELECT id FROM integrations`)).toEqual([]);

    const list = await child('GET', '/api/v1/integrations');
    expect(list.status, list.text).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({ id: integrationId, title: 'MSSP Intel', shared_from: mssp.id }),
    ]);
    const one = await child('GET', `/api/v1/integrations/${integrationId}`);
    expect(one.status, one.text).toBe(200);
    expect(one.body.shared_from).toBe(mssp.id);
    const tasks = await child('GET', `/api/v1/integrations/${integrationId}/tasks`);
    expect(tasks.status, tasks.text).toBe(200);
    expect(tasks.body.data.map((t: { task_tag: string }) => t.task_tag).sort()).toEqual(['lookup_ip', 'pull_alerts']);
    const oneTask = await child('GET', `/api/v1/integrations/${integrationId}/tasks/${task.body.id}`);
    expect(oneTask.status, oneTask.text).toBe(200);
    const seed = await child('GET', '/apps/v1/integration-name/kid');
    expect(seed.status, seed.text).toBe(200);
    expect(seed.body).toEqual([expect.objectContaining({ id: integrationId, shared_from: mssp.id })]);
  });

  it('the child creates an instance of it and runs its task with the worker, all in its own database', async () => {
    const instance = await child('POST', '/api/v1/instances', {
      integration_uuid: integrationId,
      title: 'Intel',
      base_url: receiver.url('/tool'),
      auth: { type: 'bearer', token: TOOL_TOKEN },
    });
    expect(instance.status, instance.text).toBe(201);
    instanceId = instance.body.id;
    const read = await child('GET', `/api/v1/instances/${instanceId}`);
    expect(read.status, read.text).toBe(200);
    expect(read.body.integration_uuid).toBe(integrationId);
    const chain = await child('POST', '/api/execution-chains', {
      name: 'Look up',
      trigger_event: 'alert.raised',
      steps: [{ type: 'task', name: 'Look up', instance_id: instanceId, task_tag: 'lookup_ip', input: { ip: '1' } }],
    });
    expect(chain.status, chain.text).toBe(201);
    // Case ingestion on the shared task: checked against the parent's tasks, its settings row in the child's database.
    const ingestion = await child('PUT', `/api/v1/instances/${instanceId}/ingestion`, {
      task_tag: 'pull_alerts',
      enabled: false,
      interval_seconds: 60,
      items_path: '$.alerts',
      pagination: { type: 'none' },
      field_mapping: { external_id: '$.id', title: '$.host', severity: '$.level', occurred_at: '$.ts' },
    });
    expect(ingestion.status, ingestion.text).toBe(200);
    expect(
      await dedicatedSql(kidDb, `SELECT integration_uuid FROM instance_ingestion WHERE instance_uuid = $1`, [
        instanceId,
      ]),
    ).toEqual([{ integration_uuid: integrationId }]);

    const started = await child('POST', `/api/v1/instances/${instanceId}/tasks/lookup_ip/runs`, {
      input: { ip: '198.51.100.9' },
    });
    expect(started.status, started.text).toBe(202);
    const done = await waitFor('the task run to end', async () => {
      const r = await child('GET', `/api/v1/task-runs/${started.body.id}`);
      return ['success', 'failure'].includes(r.body.status) ? r.body : undefined;
    });
    expect(done).toMatchObject({ status: 'success', outputs: { verdict: 'benign' } });
    expect(receiver.to('/tool/ip/198.51.100.9')[0].headers.authorization).toBe(`Bearer ${TOOL_TOKEN}`);

    expect(
      await dedicatedSql(kidDb, `SELECT integration_uuid FROM integration_instances WHERE id = $1`, [instanceId]),
    ).toEqual([{ integration_uuid: integrationId }]);
    expect(
      await dedicatedSql(kidDb, `SELECT integration_uuid, status FROM task_runs WHERE id = $1`, [started.body.id]),
    ).toEqual([{ integration_uuid: integrationId, status: 'success' }]);
    // Nothing of the child in a tenant-owned table of the core database (control plane aside).
    expect(await tenantRows((sql, params) => stack.api.sql(sql, params), kid.id)).toEqual({});
    // The dedicated database has no foreign key to the catalogue from other tables; the core database keeps its own.
    const catalogueKeys = `SELECT conrelid::regclass::text AS t FROM pg_constraint
      WHERE contype = 'f' AND confrelid::regclass::text IN ('integrations', 'tasks')
        AND conrelid::regclass::text NOT IN ('integrations', 'tasks') ORDER BY 1`;
    expect(await dedicatedSql(kidDb, catalogueKeys)).toEqual([]);
    expect((await stack.api.sql<{ t: string }>(catalogueKeys)).map((r) => r.t)).toContain('integration_instances');
  });

  it('the parent un-sharing, then deleting, the integration is seen by the child at once', async () => {
    // The child's instance, and its chain on it, are found in the child's database and block the un-sharing.
    const blocked = await parent('PATCH', `/api/v1/integrations/${integrationId}`, { shared: false });
    expect(blocked.status, blocked.text).toBe(409);
    expect(blocked.body.error.details.map((d: { kind: string; tenant_id: string }) => [d.kind, d.tenant_id])).toEqual([
      ['instances', kid.id],
      ['chain', kid.id],
    ]);
    const unshared = await parent('PATCH', `/api/v1/integrations/${integrationId}?force=true`, { shared: false });
    expect(unshared.status, unshared.text).toBe(200);
    // Stopped, audited and announced in the child's database.
    expect(await dedicatedSql(kidDb, `SELECT status FROM integration_instances WHERE id = $1`, [instanceId])).toEqual([
      { status: 'inactive' },
    ]);
    expect(
      await dedicatedSql(kidDb, `SELECT actor_label FROM audit_events WHERE action = 'instance.deactivate'`),
    ).toEqual([{ actor_label: 'mssp_admin.mssp@example.test' }]);
    expect(
      await dedicatedSql(
        kidDb,
        `SELECT payload->>'reason' AS reason FROM webhook_events
        WHERE event_name = 'instance.deactivated'`,
      ),
    ).toEqual([{ reason: 'integration_unshared' }]);
    expect((await child('GET', `/api/v1/integrations/${integrationId}`)).status).toBe(404);
    expect((await child('GET', '/api/v1/integrations')).body.data).toEqual([]);
    expect((await child('GET', '/apps/v1/integration-name/kid')).body).toEqual([]);
    const refused = await child('POST', `/api/v1/instances/${instanceId}/tasks/lookup_ip/runs`, {
      input: { ip: '198.51.100.9' },
    });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.code).toBe('instance_not_runnable');

    expect((await parent('PATCH', `/api/v1/integrations/${integrationId}`, { shared: true })).status).toBe(200);
    expect((await child('GET', `/api/v1/integrations/${integrationId}`)).status).toBe(200);
    const removed = await parent('DELETE', `/api/v1/integrations/${integrationId}`);
    expect(removed.status, removed.text).toBe(204);
    expect((await child('GET', `/api/v1/integrations/${integrationId}`)).status).toBe(404);
    expect((await child('GET', `/api/v1/integrations/${integrationId}/tasks`)).status).toBe(404);
  });

  it('a shared child of a dedicated parent reads its shared catalogue but is refused an instance of it', async () => {
    const dparent = as(() => dmsspAdmin);
    const kid2 = as(() => kid2Admin);
    const created = await dparent('POST', '/api/v1/integrations', { title: 'Dedicated MSSP Intel', shared: true });
    expect(created.status, created.text).toBe(201);
    expect(await dedicatedSql(parentDb, `SELECT id FROM integrations WHERE id = $1`, [created.body.id])).toHaveLength(
      1,
    );
    const seen = await kid2('GET', `/api/v1/integrations/${created.body.id}`);
    expect(seen.status, seen.text).toBe(200);
    const refused = await kid2('POST', '/api/v1/instances', {
      integration_uuid: created.body.id,
      title: 'Intel',
      base_url: receiver.url('/tool'),
    });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.code).toBe('shared_integration_in_other_database');
    expect(await stack.api.sql(`SELECT id FROM integration_instances`)).toEqual([]);
  });
});
