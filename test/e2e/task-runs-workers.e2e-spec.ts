// Task runs across worker processes (issue 18): a worker SIGKILLed in the middle of a run loses nothing (another
// worker claims it once its lease expires and it completes; a finished run is not run again), and an instance's rate
// limit holds across two workers (50 runs at 5 per second: about 10 s, never more than 5 in any second).
import { TestStack, WorkerProcess, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const WORKER_ENV = {
  TASK_LEASE_SECONDS: '2',
  TASK_RECONCILE_INTERVAL_MS: '500',
  TASK_RECONCILE_GRACE_SECONDS: '1',
  TASK_RUN_CONCURRENCY: '60',
};

describe('task runs across worker processes', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let admin: { token: string };
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    receiver = await startWebhookReceiver();
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
  });
  afterAll(async () => {
    for (const w of workers) w.process.kill('SIGKILL');
    await receiver?.close();
    await stack?.close();
  });

  async function instanceWith(title: string, path: string, extra: Record<string, unknown> = {}) {
    const integration = await stack.api.request('POST', '/api/v1/integrations', {
      token: admin.token,
      body: { title },
    });
    const task = await stack.api.request('POST', `/api/v1/integrations/${integration.body.id}/tasks`, {
      token: admin.token,
      body: {
        name: 'Call',
        task_tag: 'call',
        request: { method: 'POST', path, body: { n: '{{input.n}}' } },
        input_fields: [{ name: 'n', label: 'n', type: 'number' }],
      },
    });
    expect(task.status, task.text).toBe(201);
    const instance = await stack.api.request('POST', '/api/v1/instances', {
      token: admin.token,
      body: {
        integration_uuid: integration.body.id,
        title: `${title} 1`,
        base_url: receiver.url(`/${title}`),
        ...extra,
      },
    });
    expect(instance.status, instance.text).toBe(201);
    return instance.body.id as string;
  }

  const start = (instanceId: string, n: number) =>
    stack.api.request('POST', `/api/v1/instances/${instanceId}/tasks/call/runs`, {
      token: admin.token,
      body: { input: { n } },
    });

  it(
    'completes a run whose worker was killed mid-call, once, and never runs it again',
    { timeout: 60_000 },
    async () => {
      const instanceId = await instanceWith('crash', '/slow');
      // The first request hangs past the kill; the retry after the takeover answers at once.
      receiver.respond((_req, nth) => (nth === 1 ? { status: 200, delayMs: 10_000 } : 200), '/crash/slow');
      const first = await stack.startWorkerProcess(WORKER_ENV);
      workers.push(first);
      await first.healthy();
      const res = await start(instanceId, 1);
      expect(res.status).toBe(202);
      await receiver.waitFor(1, '/crash/slow');
      first.process.kill('SIGKILL');
      await first.exited(10_000);

      const second = await stack.startWorkerProcess(WORKER_ENV);
      workers.push(second);
      await second.healthy();
      await waitFor(
        'the run completed on the second worker',
        async () =>
          (await stack.api.request('GET', `/api/v1/task-runs/${res.body.id}`, { token: admin.token })).body.status ===
          'success',
        30_000,
      );
      const done = await stack.api.request('GET', `/api/v1/task-runs/${res.body.id}`, { token: admin.token });
      expect(done.body.claims).toBe(2);
      expect(receiver.to('/crash/slow')).toHaveLength(2);
      // Finished: the reconciler (every 500 ms) and a third worker find nothing to do with it.
      const third = await stack.startWorkerProcess(WORKER_ENV);
      workers.push(third);
      await third.healthy();
      await new Promise((r) => setTimeout(r, 3000));
      expect(receiver.to('/crash/slow')).toHaveLength(2);
      second.process.kill('SIGKILL');
      third.process.kill('SIGKILL');
      await Promise.all([second.exited(10_000), third.exited(10_000)]);
    },
  );

  it('holds an instance rate limit of 5 per second across two workers', { timeout: 90_000 }, async () => {
    const instanceId = await instanceWith('limited', '/hit', { rate_limit: { max: 5, per_seconds: 1 } });
    receiver.respond(200, '/limited/hit');
    // The runs are queued first and the workers started after, so this process (the API and the receiver) is idle
    // while the requests arrive and their arrival times are not skewed by its own work.
    const started = await Promise.all(Array.from({ length: 50 }, (_, i) => start(instanceId, i)));
    expect(started.every((r) => r.status === 202)).toBe(true);
    // Five runs at a time per worker: the first worker up cannot take the whole burst before the second starts.
    const env = { ...WORKER_ENV, TASK_RUN_CONCURRENCY: '5' };
    const a = await stack.startWorkerProcess(env);
    const b = await stack.startWorkerProcess(env);
    workers.push(a, b);
    await Promise.all([a.healthy(), b.healthy()]);
    const hits = await receiver.waitFor(50, '/limited/hit', 60_000);
    const times = hits.map((h) => h.receivedAt).sort((x, y) => x - y);
    // No window of one second holds more than 5 arrivals (a little slack for the network between send and arrival).
    for (let i = 0; i + 5 < times.length; i++) expect(times[i + 5] - times[i]).toBeGreaterThan(950);
    const span = (times[times.length - 1] - times[0]) / 1000;
    expect(span).toBeGreaterThan(8.5);
    expect(span).toBeLessThan(14);
    await waitFor(
      'every run succeeded',
      async () =>
        (
          await stack.api.sql<{ n: number }>(
            `SELECT count(*)::int AS n FROM task_runs WHERE instance_uuid = $1 AND status = 'success'`,
            [instanceId],
          )
        )[0].n === 50,
      20_000,
    );
    // Both workers ran some of them: the limit held across processes, not inside one.
    for (const w of [a, b]) {
      const metrics = await (await fetch(`http://127.0.0.1:${w.port}/metrics`)).text();
      const ran = Number(/conduit_task_runs_total\{status="success"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      expect(ran).toBeGreaterThan(0);
      expect(metrics).toMatch(/conduit_task_run_duration_seconds_count\{task_tag="call"\} [1-9]/);
    }
  });
});
