// Chains survive their worker: a worker process SIGKILLed in the middle of runs, and queued steps lost to a Redis
// flush. After a restart every run completes, no step whose response was recorded is sent again, none is skipped,
// and a step that was on the wire at the kill is sent again as the same message (same webhook-id).
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const RUNS = 12;
const STEPS = 3;
const SECRET = 'sk_live_crash-credential-5511';

describe('execution chains: worker killed mid-run', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let admin: { token: string };

  beforeAll(async () => {
    stack = await startTestStack({ worker: false });
    receiver = await startWebhookReceiver();
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const workerEnv = {
    // Expired leases (and BullMQ's job locks, tied to them) come back after 5 s instead of a minute.
    CHAIN_LEASE_SECONDS: '5',
    CHAIN_STEP_CONCURRENCY: '8',
    CHAIN_RECONCILE_INTERVAL_MS: '1000',
    WEBHOOK_TIMEOUT_MS: '4000',
    LOG_LEVEL: 'debug',
  };

  async function chainOf(prefix: string, triggerEvent: string): Promise<string> {
    const steps = [];
    for (let i = 1; i <= STEPS; i++) {
      const sub = await stack.api.request('POST', '/api/v1/subscriptions', {
        token: admin.token,
        body: { app_name: `${prefix}-${i}`, target_url: receiver.url(`/${prefix}/${i}`), event_types: ['chain.step'] },
      });
      steps.push({
        webhook_id: sub.body.id,
        name: `step ${i}`,
        headers: { 'X-Key': '{{credentials.crash_key}}' },
        request_params: { run: '{{run.id}}', i, previous: i > 1 ? `{{step_${i - 1}.response}}` : null },
      });
    }
    const chain = await stack.api.request('POST', '/api/v1/chains', {
      token: admin.token,
      body: { name: prefix, trigger_event: triggerEvent, steps },
    });
    expect(chain.status, chain.text).toBe(201);
    return chain.body.id;
  }

  const stepRuns = () =>
    stack.api.sql<{ id: string; run_id: string; step_order: number; status: string; attempt_count: number }>(
      `SELECT id, run_id, step_order, status, attempt_count FROM execution_chain_step_runs ORDER BY run_id, step_order`,
    );

  it(
    'completes every run after a restart; recorded steps are not sent again, none is skipped',
    { timeout: 120_000 },
    async () => {
      await stack.api.request('POST', '/api/v1/credentials', {
        token: admin.token,
        body: { name: 'crash_key', value: SECRET, allowed_hosts: [new URL(receiver.url()).host] },
      });
      receiver.respond((req) => ({
        status: 200,
        delayMs: 250,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ got: JSON.parse(req.body).i }),
      }));
      const chainId = await chainOf('crash', 'crash.run');

      const first = await stack.startWorkerProcess(workerEnv);
      await first.healthy();
      const runIds: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const res = await stack.api.request('POST', `/api/v1/chains/${chainId}/execute`, {
          token: admin.token,
          body: { trigger_data: { i } },
        });
        expect(res.status).toBe(202);
        runIds.push(res.body.run_id);
      }
      // Mid-run: some steps recorded, several requests waiting for their answer.
      await receiver.waitFor(RUNS + 4, undefined, 30_000);
      first.process.kill('SIGKILL');
      await first.exited(10_000);
      const atKill = await stepRuns();
      const recordedAtKill = atKill.filter((s) => s.status === 'sent');
      expect(recordedAtKill.length).toBeGreaterThan(0);
      expect(recordedAtKill.length).toBeLessThan(RUNS * STEPS);
      const receivedAtKill = new Map<string, number>();
      for (const r of receiver.requests)
        receivedAtKill.set(
          r.headers['webhook-id'] as string,
          (receivedAtKill.get(r.headers['webhook-id'] as string) ?? 0) + 1,
        );

      const second = await stack.startWorkerProcess(workerEnv);
      await second.healthy();
      await waitFor(
        'every run completed',
        async () => {
          const runs = await stack.api.sql<{ status: string }>(
            `SELECT status FROM execution_chain_runs WHERE chain_id = $1`,
            [chainId],
          );
          return runs.length === RUNS && runs.every((r) => r.status === 'completed');
        },
        90_000,
      );

      const final = await stepRuns();
      expect(final).toHaveLength(RUNS * STEPS);
      expect(final.every((s) => s.status === 'sent')).toBe(true);
      const requests = receiver.requests;
      const byStepRun = new Map<string, typeof requests>();
      for (const r of requests)
        byStepRun.set(r.headers['webhook-id'] as string, [
          ...(byStepRun.get(r.headers['webhook-id'] as string) ?? []),
          r,
        ]);
      // Every step run reached its receiver, and nothing else did.
      expect(new Set(byStepRun.keys())).toEqual(new Set(final.map((s) => s.id)));
      // A step recorded before the kill was never sent again.
      for (const s of recordedAtKill)
        expect(byStepRun.get(s.id)?.length, `step run ${s.id}`).toBe(receivedAtKill.get(s.id));
      // Anything sent twice was the same message.
      const repeated = [...byStepRun.values()].filter((rs) => rs.length > 1);
      expect(repeated.length, 'the kill caught steps on the wire').toBeGreaterThan(0);
      for (const rs of repeated) expect(new Set(rs.map((r) => r.body)).size).toBe(1);
      // In order within each run: step k+1 only after step k's last send.
      for (const runId of runIds) {
        const times = final.filter((s) => s.run_id === runId).map((s) => byStepRun.get(s.id)!.map((r) => r.receivedAt));
        for (let k = 1; k < times.length; k++)
          expect(Math.min(...times[k])).toBeGreaterThanOrEqual(Math.max(...times[k - 1]));
        // Each step saw the previous one's response.
        const bodies = final.filter((s) => s.run_id === runId).map((s) => JSON.parse(byStepRun.get(s.id)![0].body));
        expect(bodies.map((b) => b.previous)).toEqual([null, { got: 1 }, { got: 2 }]);
      }
      expect(requests.every((r) => r.headers['x-key'] === SECRET)).toBe(true);
      // Neither worker wrote the credential to its log.
      expect(first.output()).not.toContain(SECRET);
      expect(second.output()).not.toContain(SECRET);

      second.process.kill('SIGTERM');
      expect(await second.exited(15_000)).toBe(0);
    },
  );

  it('re-queues steps whose jobs Redis lost (reconciler)', { timeout: 60_000 }, async () => {
    receiver.respond(200);
    const chainId = await chainOf('flush', 'flush.run');
    const res = await stack.api.request('POST', `/api/v1/chains/${chainId}/execute`, {
      token: admin.token,
      body: { trigger_data: {} },
    });
    // Lose the queued job as a Redis flush would.
    const keys = await stack.redis.keys(`${stack.config.REDIS_PREFIX}:chain-steps:*`);
    expect(keys.length).toBeGreaterThan(0);
    await stack.redis.del(...keys);
    const worker = await stack.startWorkerProcess(workerEnv);
    await worker.healthy();
    await waitFor(
      'the run completed',
      async () =>
        (await stack.api.sql(`SELECT status FROM execution_chain_runs WHERE id = $1`, [res.body.run_id]))[0]?.status ===
        'completed',
      30_000,
    );
    expect(receiver.to('/flush/1')).toHaveLength(1);
    expect(receiver.to('/flush/3')).toHaveLength(1);
    worker.process.kill('SIGTERM');
    await worker.exited(15_000);
  });
});
