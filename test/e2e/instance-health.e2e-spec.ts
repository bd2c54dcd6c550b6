// Instance health (issue 18 point 8): POST /instances/{id}/test runs the health check now; scheduled checks record what
// they find; after failure_threshold consecutive failures the instance is unhealthy (status error) and
// instance.unhealthy is published once; the first success after it publishes instance.recovered once. Each due check
// runs once whatever the number of workers.
import { TestStack, WorkerProcess, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const TOKEN = 'health-bearer-9d2c41aa';

describe('instance health checks', () => {
  let stack: TestStack;
  let tool: WebhookReceiver;
  let hooks: WebhookReceiver;
  let admin: { token: string };
  let integrationId: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ config: { INSTANCE_HEALTH_SWEEP_INTERVAL_MS: '200' } });
    tool = await startWebhookReceiver();
    hooks = await startWebhookReceiver();
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    const sub = await stack.api.request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: { app_name: 'health', target_url: hooks.url('/events'), event_types: ['instance.*'] },
    });
    expect(sub.status, sub.text).toBe(201);
    const integration = await stack.api.request('POST', '/api/v1/integrations', {
      token: admin.token,
      body: { title: 'EDR' },
    });
    integrationId = integration.body.id;
    const task = await stack.api.request('POST', `/api/v1/integrations/${integrationId}/tasks`, {
      token: admin.token,
      body: { name: 'Ping', task_tag: 'ping', request: { method: 'GET', path: '/ping' } },
    });
    expect(task.status, task.text).toBe(201);
  });
  afterAll(async () => {
    for (const w of workers) w.process.kill('SIGKILL');
    await tool?.close();
    await hooks?.close();
    await stack?.close();
  });

  async function instance(title: string, healthCheck: Record<string, unknown> | null) {
    const res = await stack.api.request('POST', '/api/v1/instances', {
      token: admin.token,
      body: {
        integration_uuid: integrationId,
        title,
        base_url: tool.url(`/${title}`),
        auth: { type: 'bearer', token: TOKEN },
        health_check: healthCheck,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  }
  const test = (id: string) =>
    stack.api.request('POST', `/api/v1/instances/${id}/test`, { token: admin.token, body: {} });
  const row = async (id: string) =>
    (
      await stack.api.sql<{ status: string; health_status: string; health_failures: number; checked: string | null }>(
        `SELECT status, health_status, health_failures, last_health_check::text AS checked
           FROM integration_instances WHERE id = $1`,
        [id],
      )
    )[0];
  const events = (type: string) => hooks.to('/events').filter((r) => JSON.parse(r.body).type === type);
  /** An instance with a health check is due at once: waits until a worker has recorded that first check, so the
   * next due time is ours to set (a check whose request was seen but not yet recorded would race the next one). */
  async function firstCheckRecorded(id: string): Promise<void> {
    await waitFor('the first scheduled check was recorded', async () => (await row(id)).checked !== null, 10_000);
  }
  /** Makes the next scheduled check due now and waits until a worker has recorded it. */
  async function nextScheduledCheck(id: string): Promise<void> {
    const before = (await row(id)).checked;
    await stack.api.sql(`UPDATE integration_instances SET next_health_check_at = now() WHERE id = $1`, [id]);
    await waitFor('a scheduled check was recorded', async () => (await row(id)).checked !== before, 10_000);
  }

  it('tests an instance now: a GET of its path with its auth, recorded on the instance', async () => {
    const id = await instance('a', { path: '/health', interval_seconds: 3600 });
    tool.respond(200, '/a/health');
    const res = await test(id);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      ok: true,
      status_code: 200,
      error: null,
      health_status: 'healthy',
      consecutive_failures: 0,
      instance_status: 'active',
    });
    expect(tool.to('/a/health')[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    const got = await stack.api.request('GET', `/api/v1/instances/${id}`, { token: admin.token });
    expect(got.body.health).toMatchObject({ status: 'healthy', consecutive_failures: 0 });
    expect(got.body.health.last_result).toMatchObject({ ok: true, status_code: 200 });

    const none = await instance('none', null);
    const refused = await test(none);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('health_check_not_configured');
    expect((await test('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('checks by task: the task runs as a task run with source health_check', async () => {
    const id = await instance('b', { task_tag: 'ping', interval_seconds: 3600 });
    tool.respond(200, '/b/ping');
    const res = await test(id);
    expect(res.body).toMatchObject({ ok: true, status_code: 200 });
    expect(res.body.run_id).toEqual(expect.any(String));
    const run = await stack.api.request('GET', `/api/v1/task-runs/${res.body.run_id}`, { token: admin.token });
    expect(run.body).toMatchObject({ source: 'health_check', status: 'success', task_tag: 'ping' });
  });

  it(
    'turns unhealthy after the threshold and recovers, publishing each transition once',
    { timeout: 60_000 },
    async () => {
      tool.respond(503, '/c/health');
      const id = await instance('c', { path: '/health', interval_seconds: 3600, failure_threshold: 2 });
      await firstCheckRecorded(id);
      expect(await row(id)).toMatchObject({ status: 'active', health_failures: 1 });
      await nextScheduledCheck(id);
      expect(await row(id)).toMatchObject({ status: 'error', health_status: 'unhealthy', health_failures: 2 });
      await hooks.waitFor(1, '/events');
      await nextScheduledCheck(id);
      expect(await row(id)).toMatchObject({ status: 'error', health_failures: 3 });
      // A task still runs on an instance in error (a health verdict, not a stop).
      const run = await stack.api.request('POST', `/api/v1/instances/${id}/tasks/ping/runs`, {
        token: admin.token,
        body: {},
      });
      expect(run.status).toBe(202);

      tool.respond(200, '/c/health');
      await nextScheduledCheck(id);
      expect(await row(id)).toMatchObject({ status: 'active', health_status: 'healthy', health_failures: 0 });
      await nextScheduledCheck(id);
      await waitFor('the recovery was delivered', async () => events('instance.recovered').length === 1, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(events('instance.unhealthy')).toHaveLength(1);
      expect(events('instance.recovered')).toHaveLength(1);
      const unhealthy = JSON.parse(events('instance.unhealthy')[0].body);
      expect(unhealthy.data).toMatchObject({ instance_uuid: id, consecutive_failures: 2, status: 'error' });
      expect(JSON.stringify(hooks.requests.map((r) => r.body))).not.toContain(TOKEN);
    },
  );

  it('runs each due check once with two workers', { timeout: 60_000 }, async () => {
    const second = await stack.startWorkerProcess({ INSTANCE_HEALTH_SWEEP_INTERVAL_MS: '200' });
    workers.push(second);
    await second.healthy();
    tool.respond(200, '/d/health');
    const id = await instance('d', { path: '/health', interval_seconds: 3600 });
    // Created due at once: the first scheduled check.
    await firstCheckRecorded(id);
    for (let i = 0; i < 4; i++) await nextScheduledCheck(id);
    await new Promise((r) => setTimeout(r, 1000));
    expect(tool.to('/d/health')).toHaveLength(5);
  });
});
