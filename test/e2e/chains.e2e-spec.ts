// Execution chains end to end: API and worker on one database and Redis, real receivers on 127.0.0.1.
import { Webhook } from 'standardwebhooks';
import { ChainTrigger } from '@conduit/chains';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { EventEntity } from '@conduit/webhooks';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { ReceivedRequest, WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const json = (body: unknown, status = 200) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body);

describe('execution chains', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let admin: { token: string };
  let other: { token: string };
  let tenantId: TenantId;

  beforeAll(async () => {
    stack = await startTestStack({ config: { WEBHOOK_TIMEOUT_MS: '2000' } });
    receiver = await startWebhookReceiver();
    tenantId = (await stack.api.seedTenant('acme')).id;
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    await stack.api.seedTenant('globex');
    other = await stack.api.seedUser('globex', 'tenant_admin');
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const api = () => stack.api;
  async function subscribe(url: string, name = 'step'): Promise<{ id: string; secret: string }> {
    const res = await api().request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: { app_name: name, target_url: url, event_types: ['chain.step'] },
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }
  async function createChain(
    body: Record<string, unknown>,
  ): Promise<{ id: string; version: number; steps: { id: string }[] }> {
    const res = await api().request('POST', '/api/execution-chains', { token: admin.token, body });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }
  async function execute(chainId: string, trigger_data: Record<string, unknown> = {}): Promise<string> {
    const res = await api().request('POST', `/api/execution-chains/${chainId}/execute`, {
      token: admin.token,
      body: { trigger_data },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body.run_id).toBe(res.body.id);
    return res.body.run_id;
  }
  const getRun = async (runId: string) =>
    (await api().request('GET', `/api/execution-chains/runs/${runId}`, { token: admin.token })).body;
  const untilRun = (runId: string, done: (run: any) => boolean, timeoutMs = 15_000) =>
    waitFor(
      `run ${runId}`,
      async () => {
        const run = await getRun(runId);
        return done(run) ? run : undefined;
      },
      timeoutMs,
    );
  const untilStatus = (runId: string, status: string, timeoutMs?: number) =>
    untilRun(runId, (r) => r.status === status, timeoutMs);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** A subscription on a path of the shared receiver. */
  const at = async (path: string) => (await subscribe(receiver.url(path), path.replace(/\//g, '-'))).id;

  it("runs the seed's order-processing chain against four receivers, in order, each getting what its templates say", async () => {
    const receivers = await Promise.all([1, 2, 3, 4].map(() => startWebhookReceiver()));
    try {
      const [payment, inventory, shipping, email] = receivers;
      payment.respond(() => json({ payment_id: 'pay_123', status: 'captured' }));
      inventory.respond(() => json({ reservation_id: 'res_456' }));
      shipping.respond(() => json({ tracking_number: 'TRK-789', carrier: 'dhl' }));
      email.respond(() => json({ message_id: 'msg_1' }));
      const subs = await Promise.all(receivers.map((r, i) => subscribe(r.url('/hook'), `service-${i}`)));
      const chain = await createChain({
        tenant_id: tenantId,
        name: 'Complete Order Processing',
        trigger_event: 'order.placed',
        steps: [
          {
            webhook_id: subs[0].id,
            name: 'Process Payment',
            request_params: {
              amount: '{{.trigger_data.order_amount}}',
              customer_id: '{{.trigger_data.customer_id}}',
              payment_method: '{{.trigger_data.payment_method}}',
            },
            max_retries: 3,
          },
          {
            webhook_id: subs[1].id,
            name: 'Reserve Inventory',
            request_params: {
              order_id: '{{.trigger_data.order_id}}',
              items: '{{.trigger_data.items}}',
              payment_id: '{{.step_1.response.payment_id}}',
            },
            max_retries: 2,
          },
          {
            webhook_id: subs[2].id,
            name: 'Create Shipping Label',
            request_params: {
              order_id: '{{trigger_data.order_id}}',
              payment_id: '{{step_1.response.payment_id}}',
              reservation_id: '{{steps["Reserve Inventory"].response.reservation_id}}',
              label: 'Order {{trigger_data.order_id}} ({{size(trigger_data.items)}} items)',
            },
          },
          {
            webhook_id: subs[3].id,
            name: 'Send Confirmation Email',
            request_params: {
              to: '{{trigger_data.email}}',
              tracking: '{{step_3.response.tracking_number}}',
              run_id: '{{run.id}}',
              sent_at: '{{now}}',
              summary: { payment: '{{step_1.response.payment_id}}', reservation: '{{step_2.response.reservation_id}}' },
            },
          },
        ],
      });
      const order = {
        order_id: 'ord_1',
        order_amount: 99.5,
        customer_id: 'cus_42',
        payment_method: 'card',
        items: [
          { sku: 'A-1', qty: 2 },
          { sku: 'B-2', qty: 1 },
        ],
        email: 'ann@example.test',
      };
      const published = await api().request('POST', '/api/webhooks/event', {
        token: admin.token,
        body: { event_name: 'order.placed', payload: order },
      });
      expect(published.status).toBe(202);

      const runs = await waitFor('a run of the chain', async () => {
        const res = await api().request('GET', `/api/execution-chains/${chain.id}/runs`, { token: admin.token });
        return res.body.data.length > 0 ? res.body.data : undefined;
      });
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        trigger_type: 'event',
        trigger_event: 'order.placed',
        trigger_event_id: published.body.id,
        chain_name: 'Complete Order Processing',
      });
      const run = await untilStatus(runs[0].id, 'completed');

      const [p] = payment.requests;
      const [i] = inventory.requests;
      const [s] = shipping.requests;
      const [e] = email.requests;
      expect(receivers.map((r) => r.requests.length)).toEqual([1, 1, 1, 1]);
      expect(p.receivedAt).toBeLessThanOrEqual(i.receivedAt);
      expect(i.receivedAt).toBeLessThanOrEqual(s.receivedAt);
      expect(s.receivedAt).toBeLessThanOrEqual(e.receivedAt);
      expect(bodyOf(p)).toEqual({ amount: 99.5, customer_id: 'cus_42', payment_method: 'card' });
      expect(bodyOf(i)).toEqual({ order_id: 'ord_1', items: order.items, payment_id: 'pay_123' });
      expect(bodyOf(s)).toEqual({
        order_id: 'ord_1',
        payment_id: 'pay_123',
        reservation_id: 'res_456',
        label: 'Order ord_1 (2 items)',
      });
      const mail = bodyOf(e);
      expect(mail).toMatchObject({
        to: 'ann@example.test',
        tracking: 'TRK-789',
        run_id: run.id,
        summary: { payment: 'pay_123', reservation: 'res_456' },
      });
      expect(Math.abs(Date.parse(mail.sent_at) - Date.now())).toBeLessThan(60_000);

      // Signed like deliveries, webhook-id being the step run.
      for (const [index, req] of [p, i, s, e].entries()) {
        expect(() =>
          new Webhook(subs[index].secret).verify(req.body, req.headers as Record<string, string>),
        ).not.toThrow();
        expect(req.headers['webhook-id']).toBe(run.step_runs[index].id);
        expect(req.headers['x-loki-event']).toBe('order.placed');
        expect(req.headers['x-conduit-chain-run']).toBe(run.id);
      }
      expect(run).toMatchObject({
        status: 'completed',
        current_step: 4,
        total_steps: 4,
        last_error: null,
        failed_step: null,
        trigger_data: order,
      });
      expect(run.duration_ms).toEqual(expect.any(Number));
      expect(
        run.step_runs.map((sr: any) => [sr.step_order, sr.name, sr.status, sr.response_code, sr.attempt_count]),
      ).toEqual([
        [1, 'Process Payment', 'sent', 200, 1],
        [2, 'Reserve Inventory', 'sent', 200, 1],
        [3, 'Create Shipping Label', 'sent', 200, 1],
        [4, 'Send Confirmation Email', 'sent', 200, 1],
      ]);
      expect(run.step_runs[1].request_payload).toEqual(bodyOf(i));
      expect(JSON.parse(run.step_runs[0].response_body)).toEqual({ payment_id: 'pay_123', status: 'captured' });
    } finally {
      await Promise.all(receivers.map((r) => r.close()));
    }
  });

  it('starts exactly one run per event and chain, for exact and wildcard triggers, and none for inactive chains', async () => {
    const sub = await at('/once');
    const exact = await createChain({
      name: 'exact',
      trigger_event: 'invoice.paid',
      steps: [{ webhook_id: sub, name: 'a', request_params: { n: '{{trigger_data.n}}' } }],
    });
    const wild = await createChain({
      name: 'wild',
      trigger_event: 'invoice.*',
      steps: [{ webhook_id: sub, name: 'a', request_params: { n: '{{trigger_data.n}}' } }],
    });
    const off = await createChain({
      name: 'off',
      trigger_event: 'invoice.paid',
      is_active: false,
      steps: [{ webhook_id: sub, name: 'a' }],
    });
    const body = { event_name: 'invoice.paid', payload: { n: 1 }, idempotency_key: 'invoice-1' };
    const first = await api().request('POST', '/api/v1/events', { token: admin.token, body });
    const again = await api().request('POST', '/api/v1/events', { token: admin.token, body });
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    await receiver.waitFor(2, '/once');
    await pause(500);
    expect(receiver.to('/once')).toHaveLength(2);
    const rows = await api().sql(
      `SELECT chain_id FROM execution_chain_runs WHERE trigger_event_id = $1 ORDER BY chain_id`,
      [first.body.id],
    );
    expect(rows.map((r) => r.chain_id).sort()).toEqual([exact.id, wild.id].sort());
    expect(rows.map((r) => r.chain_id)).not.toContain(off.id);
  });

  it('starts no second run when the hooks of an event run again (unique per event and chain)', async () => {
    const chain = await createChain({
      name: 'unique',
      trigger_event: 'unique.once',
      steps: [{ webhook_id: await at('/unique'), name: 'a' }],
    });
    const published = await api().request('POST', '/api/v1/events', {
      token: admin.token,
      body: { event_name: 'unique.once', payload: { n: 1 } },
    });
    await receiver.waitFor(1, '/unique');
    const db = api().app.get(TenantContext);
    const trigger = api().app.get(ChainTrigger);
    await db.runInTenant(tenantId, async () => {
      const event = await db.em.getRepository(EventEntity).findOneOrFail({ where: { id: published.body.id } });
      await trigger.onEvent(event);
      await trigger.onEvent(event);
    });
    const runs = await api().sql(`SELECT id FROM execution_chain_runs WHERE chain_id = $1`, [chain.id]);
    expect(runs).toHaveLength(1);
    await pause(300);
    expect(receiver.to('/unique')).toHaveLength(1);
  });

  it('skips a step whose condition is false and takes the other branch (low vs high fraud score)', async () => {
    receiver.respond((req) => json({ fraud_score: JSON.parse(req.body).amount > 1000 ? 91 : 12 }), '/fraud');
    const [fraud, approve, review] = [await at('/fraud'), await at('/approve'), await at('/review')];
    const chain = await createChain({
      name: 'Refund with fraud check',
      trigger_event: 'refund.requested',
      steps: [
        { webhook_id: fraud, name: 'Fraud Check', request_params: { amount: '{{trigger_data.amount}}' } },
        {
          webhook_id: approve,
          name: 'Auto Approve',
          condition: 'step_1.response.fraud_score < 50',
          request_params: { score: '{{step_1.response.fraud_score}}' },
        },
        {
          webhook_id: review,
          name: 'Manual Review',
          condition: '{{ steps["Fraud Check"].response.fraud_score >= 50 }}',
          request_params: { score: '{{step_1.response.fraud_score}}' },
        },
      ],
    });
    const low = await untilStatus(await execute(chain.id, { amount: 40 }), 'completed');
    const high = await untilStatus(await execute(chain.id, { amount: 5000 }), 'completed');
    expect(low.step_runs.map((s: any) => s.status)).toEqual(['sent', 'sent', 'skipped']);
    expect(high.step_runs.map((s: any) => s.status)).toEqual(['sent', 'skipped', 'sent']);
    expect(receiver.to('/approve').map(bodyOf)).toEqual([{ score: 12 }]);
    expect(receiver.to('/review').map(bodyOf)).toEqual([{ score: 91 }]);
    expect(high.step_runs[1]).toMatchObject({ attempt_count: 1, response_code: null, request_payload: null });
  });

  it('pauses after a step with on_success_action pause until resumed', async () => {
    const [one, two] = [await at('/pause/1'), await at('/pause/2')];
    const chain = await createChain({
      name: 'approval',
      trigger_event: 'approval.needed',
      steps: [
        { webhook_id: one, name: 'ask', on_success_action: 'pause' },
        { webhook_id: two, name: 'act', request_params: { asked: '{{step_1.status}}' } },
      ],
    });
    const runId = await execute(chain.id);
    const paused = await untilStatus(runId, 'paused');
    expect(paused).toMatchObject({ current_step: 2, completed_at: null });
    expect(paused.step_runs.map((s: any) => s.status)).toEqual(['sent', 'pending']);
    await pause(700);
    expect(receiver.to('/pause/2')).toHaveLength(0);
    expect(
      (await api().request('POST', `/api/execution-chains/runs/${runId}/retry`, { token: admin.token })).status,
    ).toBe(409);
    const resumed = await api().request('POST', `/api/v1/chains/runs/${runId}/resume`, { token: admin.token });
    expect(resumed.status, resumed.text).toBe(202);
    expect(resumed.body.status).toBe('running');
    await untilStatus(runId, 'completed');
    expect(receiver.to('/pause/2').map(bodyOf)).toEqual([{ asked: 'sent' }]);
    expect((await api().request('POST', `/api/v1/chains/runs/${runId}/resume`, { token: admin.token })).status).toBe(
      409,
    );
  });

  it('delays a step by delay_seconds (a delayed job)', async () => {
    const [one, two] = [await at('/delay/1'), await at('/delay/2')];
    const chain = await createChain({
      name: 'delayed',
      trigger_event: 'delay.me',
      steps: [
        { webhook_id: one, name: 'now' },
        { webhook_id: two, name: 'later', delay_seconds: 2 },
      ],
    });
    const runId = await execute(chain.id);
    const [first] = await receiver.waitFor(1, '/delay/1');
    const waiting = await untilRun(runId, (r) => r.step_runs.length === 2);
    expect(waiting.step_runs[1]).toMatchObject({ status: 'pending', next_attempt_at: expect.any(String) });
    const [second] = await receiver.waitFor(1, '/delay/2');
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1900);
    await untilStatus(runId, 'completed');
  });

  it('retries a failing step with exponential backoff, then succeeds', async () => {
    receiver.respond(WebhookReceiver.sequence(500, 503, 200), '/flaky');
    const chain = await createChain({
      name: 'retrying',
      trigger_event: 'retry.me',
      steps: [
        {
          webhook_id: await at('/flaky'),
          name: 'flaky',
          on_failure_action: 'retry',
          max_retries: 3,
          retry_backoff_seconds: 1,
        },
      ],
    });
    const run = await untilStatus(await execute(chain.id), 'completed');
    const calls = receiver.to('/flaky');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    expect(calls[1].receivedAt - calls[0].receivedAt).toBeGreaterThanOrEqual(900);
    expect(calls[2].receivedAt - calls[1].receivedAt).toBeGreaterThanOrEqual(1900);
    expect(run.step_runs[0]).toMatchObject({ status: 'sent', attempt_count: 3, response_code: 200, last_error: null });
  });

  it('fails the run once retries are used up', async () => {
    receiver.respond(500, '/down');
    const chain = await createChain({
      name: 'exhausted',
      trigger_event: 'retry.exhaust',
      steps: [{ webhook_id: await at('/down'), name: 'down', max_retries: 1, retry_backoff_seconds: 0 }],
    });
    const run = await untilStatus(await execute(chain.id), 'failed');
    expect(receiver.to('/down')).toHaveLength(2);
    expect(run).toMatchObject({ failed_step: 1, last_error: 'Step 1 ("down"): HTTP 500', compensation_status: null });
    expect(run.step_runs[0]).toMatchObject({ status: 'failed', attempt_count: 2, response_code: 500 });
  });

  it('records a failure and goes on with on_failure_action continue', async () => {
    receiver.respond(500, '/cont/2');
    const paths = ['/cont/1', '/cont/2', '/cont/3'];
    const subs = [];
    for (const p of paths) subs.push(await at(p));
    const chain = await createChain({
      name: 'continue',
      trigger_event: 'continue.me',
      steps: [
        { webhook_id: subs[0], name: 'one' },
        { webhook_id: subs[1], name: 'two', on_failure_action: 'continue' },
        {
          webhook_id: subs[2],
          name: 'three',
          request_params: { previous: '{{step_2.status}}', code: '{{step_2.response_code}}' },
        },
      ],
    });
    const run = await untilStatus(await execute(chain.id), 'completed');
    expect(run.step_runs.map((s: any) => s.status)).toEqual(['sent', 'failed', 'sent']);
    expect(receiver.to('/cont/3').map(bodyOf)).toEqual([{ previous: 'failed', code: 500 }]);
  });

  it('stops: a failure with on_failure_action stop fails the run, and on_success_action stop completes it early', async () => {
    receiver.respond(422, '/stop/fail');
    const [ok, fail, never] = [await at('/stop/ok'), await at('/stop/fail'), await at('/stop/never')];
    const failing = await createChain({
      name: 'stop on failure',
      trigger_event: 'stop.fail',
      steps: [
        { webhook_id: ok, name: 'one' },
        { webhook_id: fail, name: 'two', on_failure_action: 'stop' },
        { webhook_id: never, name: 'three' },
      ],
    });
    const failed = await untilStatus(await execute(failing.id), 'failed');
    expect(failed).toMatchObject({ failed_step: 2, current_step: 2, last_error: 'Step 2 ("two"): HTTP 422' });
    expect(failed.step_runs.map((s: any) => s.status)).toEqual(['sent', 'failed']);

    const early = await createChain({
      name: 'stop on success',
      trigger_event: 'stop.early',
      steps: [
        { webhook_id: ok, name: 'one', on_success_action: 'stop' },
        { webhook_id: never, name: 'two' },
      ],
    });
    const completed = await untilStatus(await execute(early.id), 'completed');
    expect(completed.step_runs.map((s: any) => s.status)).toEqual(['sent']);
    await pause(300);
    expect(receiver.to('/stop/never')).toHaveLength(0);
  });

  it('compensates the steps that succeeded, in reverse order, after a failure at step 3', async () => {
    receiver.respond(() => json({ saga_id: 'saga-1' }), '/saga/begin');
    receiver.respond(() => json({ reservation_id: 'res-9' }), '/saga/reserve');
    receiver.respond(500, '/saga/charge');
    const names = ['begin', 'reserve', 'charge', 'rollback', 'release', 'refund'];
    const subs: Record<string, string> = {};
    for (const n of names) subs[n] = await at(`/saga/${n}`);
    const chain = await createChain({
      name: 'saga',
      trigger_event: 'saga.start',
      steps: [
        { webhook_id: subs.begin, name: 'Begin Saga' },
        {
          webhook_id: subs.reserve,
          name: 'Reserve Inventory',
          request_params: { saga: '{{step_1.response.saga_id}}' },
        },
        { webhook_id: subs.charge, name: 'Charge Card', on_failure_action: 'stop' },
      ],
      compensation_steps: [
        {
          webhook_id: subs.rollback,
          name: 'Rollback Saga',
          compensates: 'Begin Saga',
          request_params: { saga: '{{step_1.response.saga_id}}' },
        },
        {
          webhook_id: subs.release,
          name: 'Release Inventory',
          compensates: 'Reserve Inventory',
          request_params: { reservation: '{{steps["Reserve Inventory"].response.reservation_id}}' },
        },
        { webhook_id: subs.refund, name: 'Refund', compensates: 'Charge Card' },
      ],
    });
    const run = await untilRun(
      await execute(chain.id),
      (r) => r.status === 'failed' && r.compensation_status === 'completed',
    );
    expect(run).toMatchObject({ failed_step: 3, last_error: 'Step 3 ("Charge Card"): HTTP 500' });
    const [release] = receiver.to('/saga/release');
    const [rollback] = receiver.to('/saga/rollback');
    expect(bodyOf(release)).toEqual({ reservation: 'res-9' });
    expect(bodyOf(rollback)).toEqual({ saga: 'saga-1' });
    expect(release.receivedAt).toBeLessThanOrEqual(rollback.receivedAt);
    expect(receiver.to('/saga/refund')).toHaveLength(0);
    expect(run.step_runs.map((s: any) => [s.kind, s.name, s.status])).toEqual([
      ['step', 'Begin Saga', 'sent'],
      ['step', 'Reserve Inventory', 'sent'],
      ['step', 'Charge Card', 'failed'],
      ['compensation', 'Release Inventory', 'sent'],
      ['compensation', 'Rollback Saga', 'sent'],
    ]);
    expect(release.headers['x-conduit-chain-step']).toBe('compensation:2');
  });

  it('retries a failed run from the step that failed it', async () => {
    let healthy = false;
    receiver.respond(() => (healthy ? json({ ok: true }) : 500), '/heal/2');
    const [one, two, three] = [await at('/heal/1'), await at('/heal/2'), await at('/heal/3')];
    const chain = await createChain({
      name: 'healing',
      trigger_event: 'heal.me',
      steps: [
        { webhook_id: one, name: 'one' },
        { webhook_id: two, name: 'two', max_retries: 1, retry_backoff_seconds: 0 },
        { webhook_id: three, name: 'three' },
      ],
    });
    const runId = await execute(chain.id);
    await untilStatus(runId, 'failed');
    healthy = true;
    const retried = await api().request('POST', `/api/execution-chains/runs/${runId}/retry`, { token: admin.token });
    expect(retried.status, retried.text).toBe(202);
    expect(retried.body).toMatchObject({ status: 'running', failed_step: null, last_error: null });
    const run = await untilStatus(runId, 'completed');
    expect(receiver.to('/heal/1')).toHaveLength(1);
    expect(receiver.to('/heal/2')).toHaveLength(3);
    expect(receiver.to('/heal/3')).toHaveLength(1);
    expect(run.step_runs.map((s: any) => [s.status, s.attempt_count])).toEqual([
      ['sent', 1],
      ['sent', 3],
      ['sent', 1],
    ]);
  });

  it('cancels a run: nothing more is sent', async () => {
    const [one, two] = [await at('/cancel/1'), await at('/cancel/2')];
    const chain = await createChain({
      name: 'cancellable',
      trigger_event: 'cancel.me',
      steps: [
        { webhook_id: one, name: 'one' },
        { webhook_id: two, name: 'two', delay_seconds: 2 },
      ],
    });
    const runId = await execute(chain.id);
    await untilRun(runId, (r) => r.step_runs.length === 2);
    const cancelled = await api().request('POST', `/api/execution-chains/runs/${runId}/cancel`, { token: admin.token });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await pause(2500);
    expect(receiver.to('/cancel/2')).toHaveLength(0);
    const run = await getRun(runId);
    expect(run.status).toBe('cancelled');
    expect(run.step_runs.map((s: any) => s.status)).toEqual(['sent', 'cancelled']);
    expect(
      (await api().request('POST', `/api/execution-chains/runs/${runId}/cancel`, { token: admin.token })).status,
    ).toBe(409);
  });

  it('lists runs per tenant with filters, and keeps runs, steps and executions to their tenant', async () => {
    const chain = await createChain({
      name: 'isolated',
      trigger_event: 'iso.run',
      steps: [{ webhook_id: await at('/iso'), name: 'one' }],
    });
    const runId = await execute(chain.id);
    await untilStatus(runId, 'completed');
    const all = await api().request('GET', '/api/v1/chains/runs?status=completed&limit=200', { token: admin.token });
    expect(all.body.data.map((r: any) => r.id)).toContain(runId);
    const ofChain = await api().request('GET', `/api/v1/chains/runs?chain_id=${chain.id}`, { token: admin.token });
    expect(ofChain.body.data.map((r: any) => r.id)).toEqual([runId]);
    const failedOnly = await api().request('GET', '/api/v1/chains/runs?status=failed&limit=200', {
      token: admin.token,
    });
    expect(failedOnly.body.data.map((r: any) => r.id)).not.toContain(runId);

    expect((await api().request('GET', `/api/execution-chains/runs/${runId}`, { token: other.token })).status).toBe(
      404,
    );
    expect(
      (await api().request('POST', `/api/execution-chains/runs/${runId}/cancel`, { token: other.token })).status,
    ).toBe(404);
    expect(
      (await api().request('POST', `/api/execution-chains/${chain.id}/execute`, { token: other.token, body: {} }))
        .status,
    ).toBe(404);
    expect((await api().request('GET', `/api/execution-chains/${chain.id}/runs`, { token: other.token })).status).toBe(
      404,
    );
    expect((await api().request('GET', '/api/v1/chains/runs', { token: other.token })).body.data).toEqual([]);
    // An event of another tenant with the same name starts nothing here.
    const before = receiver.to('/iso').length;
    await api().request('POST', '/api/v1/events', { token: other.token, body: { event_name: 'iso.run', payload: {} } });
    await pause(500);
    expect(receiver.to('/iso')).toHaveLength(before);
  });

  it('refuses to execute an inactive chain', async () => {
    const chain = await createChain({
      name: 'inactive',
      trigger_event: 'never.x',
      is_active: false,
      steps: [{ webhook_id: await at('/inactive'), name: 'one' }],
    });
    const res = await api().request('POST', `/api/execution-chains/${chain.id}/execute`, {
      token: admin.token,
      body: {},
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('chain_inactive');
  });

  it('fails a step whose template reads something missing, naming it', async () => {
    const chain = await createChain({
      name: 'missing',
      trigger_event: 'missing.x',
      steps: [{ webhook_id: await at('/missing'), name: 'one', request_params: { x: '{{trigger_data.nope}}' } }],
    });
    const run = await untilStatus(await execute(chain.id, { yes: 1 }), 'failed');
    expect(run.step_runs[0].last_error).toMatch(/x: \{\{trigger_data\.nope\}\}: No such key: nope/);
    expect(receiver.to('/missing')).toHaveLength(0);
  });
  it('injects a credential into a header and the body: the receiver gets it in clear, nothing stored or returned shows it', async () => {
    const SECRET = 'sk_live_chain-credential-7731';
    const created = await api().request('POST', '/api/v1/credentials', {
      token: admin.token,
      body: { name: 'psp_key', value: SECRET, allowed_hosts: [new URL(receiver.url()).host] },
    });
    expect(created.status, created.text).toBe(201);
    // The receiver echoes the key back: the stored response must not show it either.
    receiver.respond((req) => json({ echoed: JSON.parse(req.body).api_key, ok: true }), '/cred');
    const chain = await createChain({
      name: 'with credential',
      trigger_event: 'cred.use',
      steps: [
        {
          webhook_id: await at('/cred'),
          name: 'charge',
          headers: { Authorization: 'Bearer {{credentials.psp_key}}', 'X-Order': '{{trigger_data.order_id}}' },
          request_params: {
            api_key: '{{credentials.psp_key}}',
            order_id: '{{trigger_data.order_id}}',
            note: 'key={{credentials.psp_key}}',
          },
        },
        { webhook_id: await at('/cred/next'), name: 'next', request_params: { echoed: '{{step_1.response.echoed}}' } },
      ],
    });
    const runId = await execute(chain.id, { order_id: 'o-cred' });
    const run = await untilStatus(runId, 'completed');
    const [req] = receiver.to('/cred');
    expect(req.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(req.headers['x-order']).toBe('o-cred');
    expect(bodyOf(req)).toEqual({ api_key: SECRET, order_id: 'o-cred', note: `key=${SECRET}` });

    const step = run.step_runs[0];
    expect(step.request_payload).toEqual({ api_key: '[REDACTED]', order_id: 'o-cred', note: 'key=[REDACTED]' });
    expect(step.request_headers).toMatchObject({ Authorization: 'Bearer [REDACTED]', 'X-Order': 'o-cred' });
    const runText = JSON.stringify(run);
    expect(runText).not.toContain(SECRET);
    const lists = [
      await api().request('GET', '/api/v1/chains/runs?limit=200', { token: admin.token }),
      await api().request('GET', `/api/v1/chains/${chain.id}`, { token: admin.token }),
      await api().request('GET', '/api/v1/credentials', { token: admin.token }),
      await api().request('GET', '/api/v1/audit-events?limit=200', { token: admin.token }),
    ];
    for (const res of lists) expect(res.text).not.toContain(SECRET);
    const tables = [
      'execution_chain_step_runs',
      'execution_chain_runs',
      'execution_chain_steps',
      'execution_chains',
      'credentials',
      'audit_events',
      'webhook_events',
    ];
    for (const table of tables) {
      const [row] = await api().sql(`SELECT coalesce(json_agg(t)::text, '') AS all_rows FROM ${table} t`);
      expect(row.all_rows, table).not.toContain(SECRET);
    }
  });

  it('starts a run from an inbound webhook: verified, routed to an event, run, steps', async () => {
    const source = (
      await api().request('POST', '/api/v1/sources', {
        token: admin.token,
        body: { name: 'shop', provider: 'none', event_type_path: '$.kind' },
      })
    ).body;
    const chain = await createChain({
      name: 'from inbound',
      trigger_event: 'shop.order.*',
      steps: [
        {
          webhook_id: await at('/inbound'),
          name: 'forward',
          request_params: { order: '{{trigger_data.order.id}}', kind: '{{run.trigger_event}}' },
        },
      ],
    });
    const res = await api().request('POST', new URL(source.ingest_url).pathname, {
      rawBody: JSON.stringify({ kind: 'shop.order.created', order: { id: 'in-1' } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBeLessThan(300);
    const [req] = await receiver.waitFor(1, '/inbound');
    expect(bodyOf(req)).toEqual({ order: 'in-1', kind: 'shop.order.created' });
    const runs = (await api().request('GET', `/api/v1/chains/${chain.id}/runs`, { token: admin.token })).body.data;
    expect(runs).toHaveLength(1);
    const inbound = (await api().request('GET', `/api/v1/inbound-events/${res.body.event_id}`, { token: admin.token }))
      .body;
    expect(runs[0]).toMatchObject({ trigger_type: 'event', trigger_event_id: inbound.routed_event_id });
    await untilStatus(runs[0].id, 'completed');
  });

  it('reports chain analytics: completion rate, run time, failures by step', async () => {
    receiver.respond((req) => (JSON.parse(req.body).fail ? 500 : 200), '/stats/2');
    const chain = await createChain({
      name: 'measured',
      trigger_event: 'stats.x',
      steps: [
        { webhook_id: await at('/stats/1'), name: 'one' },
        { webhook_id: await at('/stats/2'), name: 'two', request_params: { fail: '{{trigger_data.fail}}' } },
      ],
    });
    const runs = [
      await execute(chain.id, { fail: false }),
      await execute(chain.id, { fail: false }),
      await execute(chain.id, { fail: true }),
    ];
    for (const id of runs) await untilRun(id, (r) => ['completed', 'failed'].includes(r.status));
    const res = await api().request('GET', `/api/v1/analytics/chains?chain_id=${chain.id}`, { token: admin.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.completion_rate).toBeCloseTo(2 / 3, 3);
    expect(res.body.data).toEqual([
      {
        chain_id: chain.id,
        chain_name: 'measured',
        runs: 3,
        completed: 2,
        failed: 1,
        cancelled: 0,
        in_flight: 0,
        completion_rate: 0.6667,
        avg_duration_ms: expect.any(Number),
        p95_duration_ms: expect.any(Number),
        failures_by_step: [{ step_order: 2, step_name: 'two', failures: 1 }],
      },
    ]);
    const all = await api().request('GET', '/api/v1/analytics/chains', { token: admin.token });
    expect(all.body.data.length).toBeGreaterThan(1);
    expect((await api().request('GET', '/api/v1/analytics/chains', { token: other.token })).body.data).toEqual([]);
  });
  it('runs steps that are due at once back to back in one job (one queued job per run), and counts steps in the worker metrics', async () => {
    receiver.respond(200, '/inline/1');
    receiver.respond(200, '/inline/2');
    receiver.respond(200, '/inline/3');
    const chain = await createChain({
      name: 'inline',
      trigger_event: 'inline.start',
      steps: [
        { webhook_id: (await subscribe(receiver.url('/inline/1'), 'inline-1')).id, name: 'a' },
        { webhook_id: (await subscribe(receiver.url('/inline/2'), 'inline-2')).id, name: 'b' },
        { webhook_id: (await subscribe(receiver.url('/inline/3'), 'inline-3')).id, name: 'c' },
      ],
    });
    const runId = await execute(chain.id);
    const run = await untilStatus(runId, 'completed');
    const stepRunIds = new Set<string>(run.step_runs.map((s: { id: string }) => s.id));
    expect(stepRunIds.size).toBe(3);
    // BullMQ's event stream records every job added to the queue.
    const events = await stack.redis.xrange(`${stack.config.REDIS_PREFIX}:chain-steps:events`, '-', '+');
    const added = events
      .map(([, fields]) =>
        Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]])),
      )
      .filter((e) => e.event === 'added' && stepRunIds.has(String(e.jobId).replace(/-\d+$/, '')));
    expect(added).toHaveLength(1);
    const metrics = await (await fetch(stack.workerUrl('/metrics'))).text();
    expect(metrics).toMatch(/conduit_chain_steps_total\{outcome="sent"\} [1-9]/);
    expect(metrics).toMatch(/conduit_chain_step_duration_seconds_count [1-9]/);
  });
});
