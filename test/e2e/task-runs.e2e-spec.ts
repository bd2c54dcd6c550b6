// Running tasks (issue 18): a run checked and queued by the API, executed by the worker against a real HTTP server on
// 127.0.0.1 standing in for the tool; dependencies first, outputs, history, cancellation, masking; the worker killed
// mid-run; the per-instance rate limit across two worker processes.
import { TaskRunRetention } from '@conduit/tasks/engine';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const TOKEN = 'tool-bearer-token-7f3a9c21';
const NOTE = 'secret-note-value-2201';

interface Ctx {
  stack: TestStack;
  receiver: WebhookReceiver;
  admin: { token: string };
}

/** An integration with tasks, and an instance of it pointing at the receiver. */
async function catalogue(
  { stack, receiver, admin }: Ctx,
  title: string,
  tasks: Record<string, unknown>[],
  instance: Record<string, unknown> = {},
) {
  const api = stack.api;
  const integration = await api.request('POST', '/api/v1/integrations', {
    token: admin.token,
    body: { title, fields: [{ name: 'region', label: 'Region', type: 'text' }] },
  });
  expect(integration.status, integration.text).toBe(201);
  for (const task of tasks) {
    const res = await api.request('POST', `/api/v1/integrations/${integration.body.id}/tasks`, {
      token: admin.token,
      body: task,
    });
    expect(res.status, res.text).toBe(201);
  }
  const created = await api.request('POST', '/api/v1/instances', {
    token: admin.token,
    body: {
      integration_uuid: integration.body.id,
      title: `${title} instance`,
      base_url: receiver.url(`/${title.toLowerCase().replace(/\W+/g, '-')}`),
      fields: { region: 'eu' },
      auth: { type: 'bearer', token: TOKEN },
      ...instance,
    },
  });
  expect(created.status, created.text).toBe(201);
  return { integrationId: integration.body.id as string, instanceId: created.body.id as string };
}

const json = (body: unknown) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('task runs: the executor on the worker', () => {
  const ctx = {} as Ctx;

  beforeAll(async () => {
    ctx.stack = await startTestStack({
      config: { TASK_RECONCILE_INTERVAL_MS: '500', TASK_RECONCILE_GRACE_SECONDS: '2' },
    });
    ctx.receiver = await startWebhookReceiver();
    await ctx.stack.api.seedTenant('acme');
    ctx.admin = await ctx.stack.api.seedUser('acme', 'tenant_admin');
  });
  afterAll(async () => {
    await ctx.receiver?.close();
    await ctx.stack?.close();
  });

  const run = (instanceId: string, tag: string, input: Record<string, unknown>, query = '') =>
    ctx.stack.api.request('POST', `/api/v1/instances/${instanceId}/tasks/${tag}/runs${query}`, {
      token: ctx.admin.token,
      body: { input },
    });
  const getRun = (id: string) => ctx.stack.api.request('GET', `/api/v1/task-runs/${id}`, { token: ctx.admin.token });
  const runCount = async () =>
    (await ctx.stack.api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM task_runs`))[0].n;

  it('checks the input, runs the task, extracts typed outputs and masks every credential', async () => {
    const { instanceId } = await catalogue(ctx, 'Threat Intel', [
      {
        name: 'Lookup IP',
        task_tag: 'lookup_ip',
        input_fields: [
          { name: 'ip', label: 'IP', type: 'text', required: true },
          { name: 'note', label: 'Note', type: 'secret' },
        ],
        request: {
          method: 'POST',
          path: '/ip/{{input.ip}}',
          headers: { 'X-Region': '{{instance.region}}' },
          body: { note: '{{input.note}}' },
        },
        output_fields: [
          { name: 'verdict', path: '$.verdict', type: 'string' },
          { name: 'score', path: '$.score', type: 'number' },
          { name: 'tags', path: '$.tags[*]', type: 'string', is_array: true },
        ],
      },
    ]);
    ctx.receiver.respond(
      (req) =>
        json({
          verdict: 'malicious',
          score: 97,
          tags: ['botnet', 'scanner', 'tor'],
          // A tool that echoes what it was sent: the token and the secret input come back in the response.
          echo: { auth: req.headers.authorization, body: req.body },
        }),
      '/threat-intel/ip/203.0.113.7',
    );

    const bad = await run(instanceId, 'lookup_ip', { note: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_task_input');
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: expect.stringContaining('ip') })]);
    expect(await runCount()).toBe(0);
    expect((await run(instanceId, 'no_such_task', {})).status).toBe(404);
    expect((await run('00000000-0000-4000-8000-000000000000', 'lookup_ip', { ip: '1' })).status).toBe(404);

    const done = await run(instanceId, 'lookup_ip', { ip: '203.0.113.7', note: NOTE }, '?wait=20');
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({
      status: 'success',
      task_tag: 'lookup_ip',
      source: 'api',
      outputs: { verdict: 'malicious', score: 97, tags: ['botnet', 'scanner', 'tor'] },
      records_processed: 3,
      response_status: 200,
      input: { ip: '203.0.113.7', note: { set: true } },
      claims: 1,
    });
    expect(done.body.duration_ms).toEqual(expect.any(Number));
    expect(done.body.attempts).toHaveLength(1);
    const [request] = ctx.receiver.to('/threat-intel/ip/203.0.113.7');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['x-region']).toBe('eu');
    expect(JSON.parse(request.body)).toEqual({ note: NOTE });
    // Nothing stored or answered holds the token or the secret input.
    const stored = await ctx.stack.api.sql<{ row: string }>(`SELECT row_to_json(r)::text AS row FROM task_runs r`);
    for (const text of [...stored.map((s) => s.row), done.text]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(NOTE);
    }
    expect(JSON.stringify(done.body.attempts)).toContain('[REDACTED]');
    // Each accepted run has its audit row (written with the run), the refused one a failure row, no secret in either.
    const audit = await ctx.stack.api.sql<{ outcome: string; target_id: string | null; changes: unknown }>(
      `SELECT outcome, target_id, changes FROM audit_events WHERE action = 'task_run.create' ORDER BY created_at`,
    );
    expect(audit.filter((a) => a.outcome === 'success').map((a) => a.target_id)).toEqual([done.body.id]);
    expect(audit.some((a) => a.outcome === 'failure')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(NOTE);
    expect(audit.find((a) => a.outcome === 'success')!.changes).toEqual({
      input: { ip: '203.0.113.7', note: '[REDACTED]' },
    });

    // Without ?wait: 202 at once, then the history shows it finished.
    const queued = await run(instanceId, 'lookup_ip', { ip: '203.0.113.7' });
    expect(queued.status).toBe(202);
    expect(['queued', 'running']).toContain(queued.body.status);
    await waitFor('the run ended', async () => (await getRun(queued.body.id)).body.status === 'success', 15_000).catch(
      async (err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify((await getRun(queued.body.id)).body)}`);
      },
    );

    const list = await ctx.stack.api.request('GET', `/api/v1/task-runs?limit=1&instance_id=${instanceId}`, {
      token: ctx.admin.token,
    });
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([queued.body.id]);
    const next = await ctx.stack.api.request(
      'GET',
      `/api/v1/task-runs?limit=1&instance_id=${instanceId}&cursor=${list.body.next_cursor}`,
      { token: ctx.admin.token },
    );
    expect(next.body.data.map((r: { id: string }) => r.id)).toEqual([done.body.id]);
    const failed = await ctx.stack.api.request('GET', '/api/v1/task-runs?status=failure', { token: ctx.admin.token });
    expect(failed.body.data).toEqual([]);
    const bad400 = await ctx.stack.api.request('GET', '/api/v1/task-runs?status=nope', { token: ctx.admin.token });
    expect(bad400.status).toBe(400);
  });

  it('runs dependencies first, in execution_order, feeds their outputs to {{deps...}}, and fails with their cause', async () => {
    const { instanceId } = await catalogue(ctx, 'Ticketing', [
      {
        name: 'Session',
        task_tag: 'session',
        execution_order: 2,
        request: { method: 'POST', path: '/session' },
        output_fields: [{ name: 'id', path: '$.session', type: 'string' }],
      },
      {
        name: 'Queue',
        task_tag: 'queue',
        execution_order: 1,
        request: { method: 'GET', path: '/queue' },
        output_fields: [{ name: 'name', path: '$.queue', type: 'string' }],
      },
      {
        name: 'Open ticket',
        task_tag: 'open_ticket',
        depends_on: ['session', 'queue'],
        request: {
          method: 'POST',
          path: '/tickets',
          headers: { 'X-Session': '{{deps.session.id}}' },
          body: { queue: '{{deps.queue.name}}' },
        },
        output_fields: [{ name: 'ticket', path: '$.ticket', type: 'number' }],
      },
    ]);
    ctx.receiver.respond(() => json({ session: 'sess-1' }), '/ticketing/session');
    ctx.receiver.respond(() => json({ queue: 'soc-tier1' }), '/ticketing/queue');
    ctx.receiver.respond(() => json({ ticket: 4411 }), '/ticketing/tickets');
    const before = ctx.receiver.requests.length;
    const done = await run(instanceId, 'open_ticket', {}, '?wait=20');
    expect(done.status, done.text).toBe(200);
    expect(done.body.status).toBe('success');
    expect(done.body.outputs).toEqual({ ticket: 4411 });
    expect(done.body.dependencies.map((d: { task_tag: string }) => d.task_tag)).toEqual(['queue', 'session']);
    const paths = ctx.receiver.requests.slice(before).map((r) => r.path);
    expect(paths).toEqual(['/ticketing/queue', '/ticketing/session', '/ticketing/tickets']);
    const ticket = ctx.receiver.to('/ticketing/tickets')[0];
    expect(ticket.headers['x-session']).toBe('sess-1');
    expect(JSON.parse(ticket.body)).toEqual({ queue: 'soc-tier1' });

    // The session endpoint fails: the run fails with that cause, and the ticket is never opened.
    ctx.receiver.respond(503, '/ticketing/session');
    const failed = await run(instanceId, 'open_ticket', {}, '?wait=20');
    expect(failed.body.status).toBe('failure');
    expect(failed.body.error).toMatchObject({ code: 'dependency_failed', dependency: 'session' });
    expect(failed.body.error.message).toContain('503');
    expect(ctx.receiver.to('/ticketing/tickets')).toHaveLength(1);
  });

  it('fetches an OAuth2 token once for many runs, honours 429 Retry-After, and ends a slow call as timeout', async () => {
    const clientSecret = 'oauth-client-secret-55aa';
    const accessToken = 'issued-access-token-91bc';
    const { instanceId } = await catalogue(
      ctx,
      'EDR',
      [
        {
          name: 'Isolate',
          task_tag: 'isolate',
          request: { method: 'POST', path: '/isolate' },
          error_handling: { retries: 2, backoff: 'fixed', backoff_ms: 50, timeout_ms: 5000 },
          output_fields: [{ name: 'done', path: '$.done', type: 'boolean' }],
        },
        {
          name: 'Slow',
          task_tag: 'slow_scan',
          request: { method: 'GET', path: '/scan' },
          error_handling: { retries: 0, timeout_ms: 300 },
        },
      ],
      {
        auth: {
          type: 'oauth2_client_credentials',
          client_id: 'conduit',
          client_secret: clientSecret,
          token_url: ctx.receiver.url('/oauth/token'),
        },
      },
    );
    ctx.receiver.respond(
      () => json({ access_token: accessToken, token_type: 'Bearer', expires_in: 3600 }),
      '/oauth/token',
    );
    // The first call is throttled with Retry-After: 1; the retry after it succeeds.
    ctx.receiver.respond(
      (_req, nth) =>
        nth === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' } : json({ done: true }),
      '/edr/isolate',
    );
    const first = await run(instanceId, 'isolate', {}, '?wait=20');
    expect(first.body).toMatchObject({ status: 'success', outputs: { done: true } });
    expect(first.body.attempts.map((a: { response: { status: number } }) => a.response.status)).toEqual([429, 200]);
    const [throttled, retried] = ctx.receiver.to('/edr/isolate');
    expect(retried.receivedAt - throttled.receivedAt).toBeGreaterThanOrEqual(950);
    expect(retried.headers.authorization).toBe(`Bearer ${accessToken}`);
    const second = await run(instanceId, 'isolate', {}, '?wait=20');
    expect(second.body.status).toBe('success');
    // One token for both runs (cached per instance until shortly before it expires).
    const tokenRequests = ctx.receiver.to('/oauth/token');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0].headers.authorization).toBe(
      `Basic ${Buffer.from(`conduit:${clientSecret}`).toString('base64')}`,
    );
    for (const body of [first.text, second.text]) {
      expect(body).not.toContain(accessToken);
      expect(body).not.toContain(clientSecret);
    }

    ctx.receiver.respond(() => ({ status: 200, delayMs: 1500 }), '/edr/scan');
    const slow = await run(instanceId, 'slow_scan', {}, '?wait=20');
    expect(slow.body.status).toBe('timeout');
    expect(slow.body.error.code).toBe('timeout');
  });

  it("deletes finished runs older than the tenant's retention, keeping newer and unfinished ones", async () => {
    const rows = await ctx.stack.api.sql<{ id: string }>(`SELECT id FROM task_runs WHERE status = 'success' LIMIT 2`);
    expect(rows.length).toBe(2);
    await ctx.stack.api.sql(`UPDATE task_runs SET created_at = now() - interval '40 days' WHERE id = $1`, [rows[0].id]);
    await ctx.stack.api.sql(
      `UPDATE tenants SET settings = coalesce(settings, '{}'::jsonb) || '{"retention_days": 30}'`,
    );
    const result = await ctx.stack.get(TaskRunRetention).sweepOnce();
    expect(result.deleted).toBe(1);
    const left = await ctx.stack.api.sql<{ id: string }>(`SELECT id FROM task_runs WHERE id = ANY($1::uuid[])`, [
      rows.map((r) => r.id),
    ]);
    expect(left.map((r) => r.id)).toEqual([rows[1].id]);
  });

  it('records a run whose call ends while a heartbeat renews its lease: one claim, one call', async () => {
    const { instanceId } = await catalogue(ctx, 'Beat', [
      {
        name: 'Second',
        task_tag: 'second',
        input_fields: [{ name: 'delay', label: 'Delay', type: 'number' }],
        request: { method: 'GET', path: '/second/{{input.delay}}' },
      },
    ]);
    // Calls ending around one second after the claim end while the lease is being renewed (every second): delays
    // spread over that moment, so some record lands while a heartbeat is in flight.
    const delays = Array.from({ length: 24 }, (_, i) => 970 + i * 3);
    for (const d of delays) ctx.receiver.respond(() => ({ status: 200, delayMs: d }), `/beat/second/${d}`);
    const runs = await Promise.all(delays.map((delay) => run(instanceId, 'second', { delay }, '?wait=20')));
    for (const r of runs) expect(r.body).toMatchObject({ status: 'success', claims: 1 });
    const calls = ctx.receiver.requests.filter((r) => r.path.startsWith('/beat/second/'));
    expect(calls).toHaveLength(delays.length);
  });

  it('cancels a running run: its worker stops the call and makes no more attempts', async () => {
    const { instanceId } = await catalogue(ctx, 'Slow Tool', [
      {
        name: 'Slow',
        task_tag: 'slow',
        request: { method: 'GET', path: '/slow' },
        // Six attempts of 1.5 s each if nothing stopped it.
        error_handling: { retries: 5, backoff: 'fixed', backoff_ms: 100, timeout_ms: 10_000 },
      },
    ]);
    ctx.receiver.respond(() => ({ status: 503, delayMs: 1500 }), '/slow-tool/slow');
    const started = await run(instanceId, 'slow', {});
    expect(started.status).toBe(202);
    await ctx.receiver.waitFor(1, '/slow-tool/slow');
    const cancelled = await ctx.stack.api.request('POST', `/api/v1/task-runs/${started.body.id}/cancel`, {
      token: ctx.admin.token,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await ctx.stack.api.request('POST', `/api/v1/task-runs/${started.body.id}/cancel`, {
      token: ctx.admin.token,
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('task_run_finished');
    await new Promise((r) => setTimeout(r, 5000));
    // The attempt on the wire at the cancel, perhaps one started just before: never the six.
    expect(ctx.receiver.to('/slow-tool/slow').length).toBeLessThanOrEqual(2);
    expect((await getRun(started.body.id)).body.status).toBe('cancelled');
  });

  it('a run queued before its instance was switched off fails instance_not_runnable without calling out', async () => {
    const { instanceId } = await catalogue(ctx, 'Paused Tool', [
      { name: 'Block host', task_tag: 'block', request: { method: 'POST', path: '/block' } },
    ]);
    ctx.receiver.respond(() => json({ blocked: true }), '/paused-tool/block');
    // No worker while the run waits in the queue, as when the workers are busy or restarting.
    await ctx.stack.stopWorker();
    let runId: string;
    try {
      const queued = await run(instanceId, 'block', {});
      expect(queued.status, queued.text).toBe(202);
      runId = queued.body.id as string;
      const off = await ctx.stack.api.request('PATCH', `/api/v1/instances/${instanceId}`, {
        token: ctx.admin.token,
        body: { status: 'inactive' },
      });
      expect(off.status, off.text).toBe(200);
    } finally {
      await ctx.stack.startWorker();
    }
    const ended = async () => (await getRun(runId)).body;
    await waitFor('the queued run ended', async () => !['queued', 'running'].includes((await ended()).status), 30_000);
    expect(await ended()).toMatchObject({ status: 'failure', error: { code: 'instance_not_runnable' } });
    expect(ctx.receiver.to('/paused-tool/block')).toHaveLength(0);
  });
});
