// Tasks as chain steps (issue 18 item 7) with the real worker: an event triggers "enrich the IP in the threat-intel
// tool, then open a ticket if the verdict is malicious"; a real HTTP server on 127.0.0.1 stands in for the tool and
// the ticket system. Also the save-time checks of task steps, and chains as dependents of the tasks they run
// (issue 17: a task or its integration is not deleted while a chain uses it, unless forced).
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const TOKEN = 'intel-bearer-token-51c0d2';
const MALICIOUS = '203.0.113.7';
const BENIGN = '198.51.100.1';
const BROKEN = '192.0.2.66';
const SLOW = '198.51.100.99';

const json = (body: unknown, status = 200) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('chains: task steps', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let admin: { token: string };
  let integration: { id: string; integration_id: number };
  let task: { id: string; task_id: number };
  let instanceId: string;
  let ticketSub: string;

  beforeAll(async () => {
    // A short chain lease and a quick reconciler: a task that runs longer than a lease must not be taken over.
    stack = await startTestStack({
      config: { WEBHOOK_TIMEOUT_MS: '2000', CHAIN_LEASE_SECONDS: '5', CHAIN_RECONCILE_INTERVAL_MS: '300' },
    });
    receiver = await startWebhookReceiver();
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    const api = stack.api;
    const made = await api.request('POST', '/api/v1/integrations', {
      token: admin.token,
      body: { title: 'Threat Intel', fields: [{ name: 'region', label: 'Region', type: 'text' }] },
    });
    expect(made.status, made.text).toBe(201);
    integration = made.body;
    const created = await api.request('POST', `/api/v1/integrations/${integration.id}/tasks`, {
      token: admin.token,
      body: {
        name: 'Enrich IP',
        task_tag: 'enrich_ip',
        input_fields: [{ name: 'ip', label: 'IP', type: 'text', required: true }],
        request: { method: 'GET', path: '/ip/{{input.ip}}' },
        output_fields: [
          { name: 'verdict', path: '$.verdict', type: 'string' },
          { name: 'score', path: '$.score', type: 'number' },
        ],
      },
    });
    expect(created.status, created.text).toBe(201);
    task = created.body;
    const instance = await api.request('POST', '/api/v1/instances', {
      token: admin.token,
      body: {
        integration_uuid: integration.id,
        title: 'Intel EU',
        base_url: receiver.url('/intel'),
        fields: { region: 'eu' },
        auth: { type: 'bearer', token: TOKEN },
      },
    });
    expect(instance.status, instance.text).toBe(201);
    instanceId = instance.body.id;
    const sub = await api.request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: { app_name: 'tickets', target_url: receiver.url('/tickets'), event_types: ['chain.step'] },
    });
    expect(sub.status, sub.text).toBe(201);
    ticketSub = sub.body.id;
    receiver.respond(() => json({ verdict: 'malicious', score: 97 }), `/intel/ip/${MALICIOUS}`);
    receiver.respond(() => json({ verdict: 'benign', score: 3 }), `/intel/ip/${BENIGN}`);
    // A 4xx is final for the task: each chain attempt is one task run with one call.
    receiver.respond(() => json({ error: 'bad ip' }, 400), `/intel/ip/${BROKEN}`);
    receiver.respond(() => ({ ...json({ verdict: 'benign', score: 1 }), delayMs: 7600 }), `/intel/ip/${SLOW}`);
    receiver.respond(() => json({ ticket: 'T-1' }, 201), '/tickets');
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const enrich = (extra: Record<string, unknown> = {}) => ({
    type: 'task',
    name: 'Enrich',
    instance_id: instanceId,
    task_tag: 'enrich_ip',
    input: { ip: '{{trigger_data.ip}}' },
    ...extra,
  });
  const ticket = () => ({
    webhook_id: ticketSub,
    name: 'Ticket',
    condition: 'step_1.outputs.verdict == "malicious"',
    request_params: {
      verdict: '{{.step_1.outputs.verdict}}',
      score: '{{steps["Enrich"].outputs.score}}',
      ip: '{{trigger_data.ip}}',
    },
  });
  const createChain = (body: Record<string, unknown>) =>
    stack.api.request('POST', '/api/execution-chains', { token: admin.token, body });
  const chainCount = async () =>
    (await stack.api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM execution_chains`))[0].n;
  /** Publishes the event and waits for the chain's run it started to end. */
  async function publish(eventName: string, payload: Record<string, unknown>) {
    const published = await stack.api.request('POST', '/api/v1/events', {
      token: admin.token,
      body: { event_name: eventName, payload },
    });
    expect(published.status, published.text).toBeLessThan(300);
    const runId = await waitFor('the chain run', async () => {
      const rows = await stack.api.sql<{ id: string }>(
        `SELECT id FROM execution_chain_runs WHERE trigger_event_id = $1`,
        [published.body.id],
      );
      return rows[0]?.id;
    });
    return waitFor(
      'the chain run to end',
      async () => {
        const run = await stack.api.request('GET', `/api/v1/chain-runs/${runId}`, { token: admin.token });
        return ['completed', 'failed'].includes(run.body.status) ? run.body : undefined;
      },
      20_000,
    );
  }

  it('an event runs the enrichment task, and a malicious verdict opens a ticket with it', async () => {
    const chain = await createChain({
      name: 'Enrich then ticket',
      trigger_event: 'alert.raised',
      steps: [enrich(), ticket()],
    });
    expect(chain.status, chain.text).toBe(201);
    expect(chain.body.steps[0]).toMatchObject({
      type: 'task',
      webhook_id: null,
      instance_id: instanceId,
      task_tag: 'enrich_ip',
      input: { ip: '{{trigger_data.ip}}' },
      request_params: null,
    });
    expect(chain.body.steps[1]).toMatchObject({ type: 'webhook', webhook_id: ticketSub, instance_id: null });

    const run = await publish('alert.raised', { ip: MALICIOUS });
    expect(run.status, JSON.stringify(run)).toBe('completed');
    const [tickets] = await Promise.all([receiver.waitFor(1, '/tickets')]);
    expect(JSON.parse(tickets[0].body)).toEqual({ verdict: 'malicious', score: 97, ip: MALICIOUS });
    // The tool was called by the task executor, with the instance's credentials.
    const [call] = receiver.to(`/intel/ip/${MALICIOUS}`);
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const [enrichRun, ticketRun] = run.step_runs;
    expect(enrichRun).toMatchObject({
      name: 'Enrich',
      status: 'sent',
      response_code: 200,
      request_payload: { ip: MALICIOUS },
      task_run_id: expect.any(String),
    });
    expect(JSON.parse(enrichRun.response_body)).toEqual({ verdict: 'malicious', score: 97 });
    expect(ticketRun).toMatchObject({ name: 'Ticket', status: 'sent', task_run_id: null });
    const taskRun = await stack.api.request('GET', `/api/v1/task-runs/${enrichRun.task_run_id}`, {
      token: admin.token,
    });
    expect(taskRun.body).toMatchObject({
      source: 'chain',
      chain_run_id: run.id,
      status: 'success',
      task_tag: 'enrich_ip',
      instance_uuid: instanceId,
      outputs: { verdict: 'malicious', score: 97 },
    });
    const [row] = await stack.api.sql<{ chain_step_run_id: string }>(
      `SELECT chain_step_run_id FROM task_runs WHERE id = $1`,
      [enrichRun.task_run_id],
    );
    expect(row.chain_step_run_id).toBe(enrichRun.id);

    // A benign verdict: the ticket step is skipped, nothing reaches the ticket system.
    const benign = await publish('alert.raised', { ip: BENIGN });
    expect(benign.status).toBe('completed');
    expect(benign.step_runs.map((s: { status: string }) => s.status)).toEqual(['sent', 'skipped']);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.to('/tickets')).toHaveLength(1);
  });

  it('a failing tool fails the step; with on_failure retry every attempt is a new task run', async () => {
    const chain = await createChain({
      name: 'Enrich with retries',
      trigger_event: 'alert.retried',
      steps: [enrich({ on_failure_action: 'retry', max_retries: 1, retry_backoff_seconds: 0 }), ticket()],
    });
    expect(chain.status, chain.text).toBe(201);
    const run = await publish('alert.retried', { ip: BROKEN });
    expect(run.status).toBe('failed');
    expect(run.failed_step).toBe(1);
    const [step] = run.step_runs;
    expect(step.status).toBe('failed');
    expect(step.attempt_count).toBe(2);
    expect(step.last_error).toMatch(new RegExp(`^task run ${step.task_run_id} ended failure: `));
    expect(run.last_error).toContain('task run');
    const runs = await stack.api.sql<{ id: string; status: string; source: string }>(
      `SELECT id, status, source FROM task_runs WHERE chain_run_id = $1 ORDER BY created_at`,
      [run.id],
    );
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.status === 'failure' && r.source === 'chain')).toBe(true);
    expect(runs[1].id).toBe(step.task_run_id);
    expect(receiver.to(`/intel/ip/${BROKEN}`)).toHaveLength(2);

    // Input that does not fit the task's schema fails the attempt before any call, with the task's code.
    const missing = await createChain({
      name: 'Enrich without ip',
      trigger_event: 'alert.noip',
      steps: [enrich({ input: { ip: '{{trigger_data.nothing}}' } })],
    });
    expect(missing.status, missing.text).toBe(201);
    const noIp = await publish('alert.noip', { nothing: null });
    expect(noIp.status).toBe('failed');
    expect(noIp.step_runs[0].last_error).toMatch(/invalid_task_input/);
    expect(noIp.step_runs[0].task_run_id).toBeNull();
  });

  it('a task that runs longer than the chain lease runs once (the step keeps its lease meanwhile)', async () => {
    // Step 2 runs inline in step 1's job, so no queued job of its own holds it: once its lease ran out, the
    // reconciler would queue it and another claim would run the task a second time.
    const chain = await createChain({
      name: 'Slow enrich',
      trigger_event: 'alert.slow',
      steps: [{ webhook_id: ticketSub, name: 'Note' }, enrich()],
    });
    expect(chain.status, chain.text).toBe(201);
    const run = await publish('alert.slow', { ip: SLOW });
    expect(run.status, JSON.stringify(run)).toBe('completed');
    expect(run.step_runs[1]).toMatchObject({ name: 'Enrich', status: 'sent', attempt_count: 1 });
    expect(receiver.to(`/intel/ip/${SLOW}`)).toHaveLength(1);
    const runs = await stack.api.sql(`SELECT id FROM task_runs WHERE chain_run_id = $1`, [run.id]);
    expect(runs).toHaveLength(1);
  });

  it('refuses task steps that name no instance or task of the tenant, credentials in the input, or webhook fields', async () => {
    const before = await chainCount();
    const cases: [Record<string, unknown>, string, string][] = [
      [enrich({ instance_id: '00000000-0000-4000-8000-000000000000' }), 'unknown_instance', 'steps[0].instance_id'],
      [enrich({ instance_id: 'not-a-uuid' }), 'unknown_instance', 'steps[0].instance_id'],
      [enrich({ task_tag: 'no_such_task' }), 'unknown_task', 'steps[0].task_tag'],
      [enrich({ input: { ip: '{{credentials.intel_key}}' } }), 'invalid_chain_step', 'steps[0].input.ip'],
      [enrich({ webhook_id: ticketSub }), 'invalid_chain_step', 'steps[0].webhook_id'],
      [enrich({ request_params: { a: 1 } }), 'invalid_chain_step', 'steps[0].request_params'],
      [enrich({ headers: { 'X-A': 'b' } }), 'invalid_chain_step', 'steps[0].headers'],
      [enrich({ instance_id: undefined }), 'invalid_chain_step', 'steps[0].instance_id'],
      [{ name: 'Hook' }, 'invalid_chain_step', 'steps[0].webhook_id'],
      [{ name: 'Hook', webhook_id: ticketSub, task_tag: 'enrich_ip' }, 'invalid_chain_step', 'steps[0].task_tag'],
      [enrich({ input: { ip: '{{step_2.outputs.verdict}}' } }), 'invalid_template', 'steps[0].input.ip'],
    ];
    for (const [step, code, field] of cases) {
      const res = await createChain({ name: 'Refused', trigger_event: 'alert.none', steps: [step] });
      expect(res.status, JSON.stringify(step)).toBe(400);
      expect(res.body.error.code, res.text).toBe(code);
      expect(res.body.error.details[0], res.text).toMatchObject({ field, position: 1 });
    }
    const creds = await createChain({
      name: 'Refused',
      trigger_event: 'alert.none',
      steps: [enrich({ input: { ip: 'x {{credentials.intel_key}}' } })],
    });
    expect(creds.body.error.message).toMatch(/instance holds its own credentials/);
    expect(await chainCount()).toBe(before);
  });

  it('a chain using a task keeps it and its integration from being deleted, unless forced', async () => {
    const chain = await createChain({
      name: 'Uses enrich_ip',
      trigger_event: 'alert.kept',
      steps: [{ webhook_id: ticketSub, name: 'First' }],
      compensation_steps: [enrich({ name: 'Undo', input: { ip: '{{trigger_data.ip}}' } })],
    });
    expect(chain.status, chain.text).toBe(201);
    expect(chain.body.compensation_steps[0]).toMatchObject({ type: 'task', task_tag: 'enrich_ip' });

    const del = await stack.api.request('DELETE', `/api/v1/integrations/${integration.id}/tasks/${task.id}`, {
      token: admin.token,
    });
    expect(del.status, del.text).toBe(409);
    expect(del.body.error.code).toBe('task_has_dependents');
    expect(del.body.error.message).toContain('chain Uses enrich_ip');
    expect(del.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'chain', id: chain.body.id, name: 'Uses enrich_ip' })]),
    );
    const check = await stack.api.request('POST', '/apps/v1/task/generic-validate', {
      token: admin.token,
      body: { task_id: task.task_id, tenant_code: 'acme' },
    });
    expect(check.status, check.text).toBe(200);
    expect(check.body.deletable).toBe(false);
    expect(check.body.dependents).toEqual(
      expect.arrayContaining([{ kind: 'chain', id: chain.body.id, name: 'Uses enrich_ip' }]),
    );

    // The instance its task step runs on: refused while the chain uses it (nothing written), a bad force refused.
    const instanceRefused = await stack.api.request('DELETE', `/api/v1/instances/${instanceId}`, {
      token: admin.token,
    });
    expect(instanceRefused.status, instanceRefused.text).toBe(409);
    expect(instanceRefused.body.error.code).toBe('instance_has_dependents');
    expect(instanceRefused.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'chain', id: chain.body.id, name: 'Uses enrich_ip' })]),
    );
    const badForce = await stack.api.request('DELETE', `/api/v1/instances/${instanceId}?force=yes`, {
      token: admin.token,
    });
    expect(badForce.status, badForce.text).toBe(400);
    const [kept] = await stack.api.sql<{ deleted_at: string | null; status: string }>(
      `SELECT deleted_at, status FROM integration_instances WHERE id = $1`,
      [instanceId],
    );
    expect(kept).toMatchObject({ deleted_at: null, status: 'active' });

    // The integration: refused while chains use its tasks, deleted with force.
    const refused = await stack.api.request('DELETE', `/api/v1/integrations/${integration.id}`, { token: admin.token });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.code).toBe('integration_has_dependents');
    expect(refused.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'chain', id: chain.body.id })]),
    );
    const seedRefused = await stack.api.request('DELETE', '/apps/v1/app', {
      token: admin.token,
      body: { integration_id: integration.integration_id, tenant_code: 'acme' },
    });
    expect(seedRefused.status, seedRefused.text).toBe(409);
    const forced = await stack.api.request('DELETE', '/apps/v1/app', {
      token: admin.token,
      body: { integration_id: integration.integration_id, tenant_code: 'acme', force: true },
    });
    expect(forced.status, forced.text).toBe(200);
    expect(forced.body.dependents).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'chain', id: chain.body.id })]),
    );
    // Its task is inactive now: a chain naming it is still saved (the tag exists), and fails when it runs.
    const inactive = await publish('alert.raised', { ip: MALICIOUS });
    expect(inactive.status).toBe('failed');
    expect(inactive.step_runs[0].last_error).toMatch(/could not start the task: (task|instance)_not_runnable/);

    // The instance, with force: deleted although the chain still names it.
    const forcedInstance = await stack.api.request('DELETE', `/api/v1/instances/${instanceId}?force=true`, {
      token: admin.token,
    });
    expect(forcedInstance.status, forcedInstance.text).toBe(204);
    const [gone] = await stack.api.sql<{ deleted_at: string | null }>(
      `SELECT deleted_at FROM integration_instances WHERE id = $1`,
      [instanceId],
    );
    expect(gone.deleted_at).not.toBeNull();
  });
});
