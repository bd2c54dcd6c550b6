// Durability and endpoint health: Redis flushed, retry and recover endpoints, circuit breaker, retention,
// graceful drain, tenant isolation. API and worker in process on one database and Redis prefix.
import { DeliveryReconciler, RetentionSweeper } from '@conduit/webhooks/engine';
import { TestStack, startTestStack } from '../support/test-stack';
import { deleteRedisPrefix, waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';
import { expectDueTimesConsistent } from '../support/delivery-invariants';

const COOLDOWN_SECONDS = 2;

describe('deliveries: recovery and endpoint health', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let admin: { token: string };
  let otherAdmin: { token: string };
  let globex: { id: string };

  beforeAll(async () => {
    stack = await startTestStack({
      config: {
        WEBHOOK_TIMEOUT_MS: '2000',
        WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: '3',
        WEBHOOK_CIRCUIT_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS),
        // The tests call reconcileOnce() themselves.
        WEBHOOK_RECONCILE_INTERVAL_MS: '3600000',
      },
    });
    receiver = await startWebhookReceiver();
    await stack.api.seedTenant('acme');
    globex = await stack.api.seedTenant('globex');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    otherAdmin = await stack.api.seedUser('globex', 'tenant_admin');
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const api = () => stack.api;
  async function subscribe(
    path: string,
    body: Record<string, unknown>,
    token = admin.token,
  ): Promise<{ id: string; secret: string }> {
    const res = await api().request('POST', '/api/v1/subscriptions', {
      token,
      body: {
        app_name: `app${path.replace(/\//g, '-')}`,
        target_url: receiver.url(path),
        retry_schedule: [0],
        ...body,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }
  async function publish(event_name: string, payload: unknown = { n: 1 }, token = admin.token): Promise<string> {
    const res = await api().request('POST', '/api/v1/events', { token, body: { event_name, payload } });
    expect(res.status, res.text).toBe(202);
    return res.body.id;
  }
  async function deliveriesOf(subscriptionId: string) {
    return api().sql<{ id: string; status: string; attempt_count: number }>(
      `SELECT id, status, attempt_count FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY created_at, id`,
      [subscriptionId],
    );
  }
  const getDelivery = async (id: string, token = admin.token) =>
    api().request('GET', `/api/v1/deliveries/${id}`, { token });
  const untilAll = (subscriptionId: string, status: string, count: number, timeoutMs = 15_000) =>
    waitFor(
      `${count} deliveries ${status}`,
      async () => {
        const rows = await deliveriesOf(subscriptionId);
        return rows.length === count && rows.every((r) => r.status === status) ? rows : undefined;
      },
      timeoutMs,
    );
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('delivers everything after Redis lost the queue, once the reconciler runs', async () => {
    const sub = await subscribe('/flushed', { event_types: ['flush.me'], retry_schedule: [3] });
    for (let i = 0; i < 5; i++) await publish('flush.me', { i });
    expect(await deliveriesOf(sub.id)).toHaveLength(5);
    // Only this suite's keys: other suites share this Redis.
    await deleteRedisPrefix(stack.redis, stack.config.REDIS_PREFIX);
    await pause(3500);
    expect(receiver.to('/flushed')).toHaveLength(0);
    expect((await deliveriesOf(sub.id)).every((d) => d.status === 'pending')).toBe(true);

    // Due for half a second only: within the grace, when the job is most likely still queued; nothing is re-queued.
    expect((await stack.get(DeliveryReconciler).reconcileOnce()).enqueued).toBe(0);
    const result = await stack.get(DeliveryReconciler).reconcileOnce(0);
    expect(result.enqueued).toBeGreaterThanOrEqual(5);
    await untilAll(sub.id, 'delivered', 5);
    const ids = new Set(receiver.to('/flushed').map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(5);
    // Running it again finds nothing due.
    expect((await stack.get(DeliveryReconciler).reconcileOnce(0)).enqueued).toBe(0);
  });

  it('retries a failed delivery on request: one more attempt, delivered once the endpoint recovers', async () => {
    receiver.respond(500, '/retry');
    const sub = await subscribe('/retry', { event_types: ['retry.me'] });
    await publish('retry.me');
    const [failed] = await untilAll(sub.id, 'failed', 1);
    receiver.respond(200, '/retry');

    const res = await api().request('POST', `/api/v1/deliveries/${failed.id}/retry`, { token: admin.token });
    expect(res.status, res.text).toBe(202);
    await untilAll(sub.id, 'delivered', 1);
    const detail = (await getDelivery(failed.id)).body;
    expect(detail.attempt_count).toBe(2);
    expect(detail.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 200]);
    expect(receiver.to('/retry')).toHaveLength(2);
  });

  it('recovers every failed delivery of a subscription since a time', async () => {
    receiver.respond(500, '/recover');
    const sub = await subscribe('/recover', { event_types: ['recover.me'] });
    const before = new Date(Date.now() - 1000).toISOString();
    await publish('recover.me', { i: 1 });
    await publish('recover.me', { i: 2 });
    await untilAll(sub.id, 'failed', 2);
    receiver.respond(200, '/recover');

    const res = await api().request('POST', `/api/v1/subscriptions/${sub.id}/recover`, {
      token: admin.token,
      body: { since: before },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ recovered: 2 });
    const rows = await untilAll(sub.id, 'delivered', 2);
    expect(rows.map((r) => r.attempt_count)).toEqual([2, 2]);
  });

  it('opens the circuit after consecutive failures, holds attempts for the cooldown, probes, and closes on success', async () => {
    receiver.respond(500, '/breaker');
    const sub = await subscribe('/breaker', {
      event_types: ['breaker.trip'],
      retry_schedule: [0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
    });
    await publish('breaker.trip', { first: true });
    await receiver.waitFor(3, '/breaker');
    const opened = await waitFor('the circuit to open', async () => {
      const s = (await api().request('GET', `/api/v1/subscriptions/${sub.id}`, { token: admin.token })).body;
      return s.circuit_state === 'open' ? s : undefined;
    });
    expect(opened.consecutive_failures).toBe(3);
    const openedAt = receiver.to('/breaker')[2].receivedAt;

    // A new event for the open endpoint waits too, and waiting counts no attempt.
    await publish('breaker.trip', { second: true });
    await pause(COOLDOWN_SECONDS * 1000 - 700);
    expect(receiver.to('/breaker')).toHaveLength(3);

    receiver.respond(200, '/breaker');
    await untilAll(sub.id, 'delivered', 2, 20_000);
    const requests = receiver.to('/breaker');
    // The probe came after the cooldown; the held event went through once the circuit closed.
    expect(requests[3].receivedAt - openedAt).toBeGreaterThanOrEqual(COOLDOWN_SECONDS * 1000 - 100);
    const rows = await deliveriesOf(sub.id);
    expect(rows.map((r) => r.attempt_count)).toEqual([4, 1]);
    const closed = (await api().request('GET', `/api/v1/subscriptions/${sub.id}`, { token: admin.token })).body;
    expect(closed).toMatchObject({ circuit_state: 'closed', consecutive_failures: 0, is_active: true });
  });

  it('sends no faster than a subscription rate limit, without counting the waits as attempts', async () => {
    const sub = await subscribe('/limited', { event_types: ['limited.thing'], rate_limit_per_second: 2 });
    for (let i = 0; i < 6; i++) await publish('limited.thing', { i });
    const rows = await untilAll(sub.id, 'delivered', 6, 20_000);
    expect(rows.every((r) => r.attempt_count === 1)).toBe(true);
    // Budgets are per wall-clock second, so any sliding second sees at most two seconds' worth; without the limit
    // all six would arrive within a few milliseconds.
    const times = receiver
      .to('/limited')
      .map((r) => r.receivedAt)
      .sort((a, b) => a - b);
    expect(times[5] - times[0]).toBeGreaterThanOrEqual(900);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(4);
  });

  it('queues a fan-out as one job, and a rate-limited delivery of a shared job comes back on its own', async () => {
    await stack.stopWorker();
    const limited = await subscribe('/shared-limited', { event_types: ['shared.thing'], rate_limit_per_second: 1 });
    const free = await subscribe('/shared-free', { event_types: ['shared.thing'] });
    for (let i = 0; i < 3; i++) await publish('shared.thing', { i });
    const queue = stack.queue('deliveries');
    const waiting = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    const mine = waiting.filter((j) => (j.data as { delivery_ids?: string[] }).delivery_ids?.length === 2);
    expect(mine).toHaveLength(3);
    for (const job of mine) expect(job.id).toMatch(/^[0-9a-f-]{36}\+1-1$/);
    await stack.startWorker();
    const freeRows = await untilAll(free.id, 'delivered', 3);
    const limitedRows = await untilAll(limited.id, 'delivered', 3, 20_000);
    expect([...freeRows, ...limitedRows].every((r) => r.attempt_count === 1)).toBe(true);
    const times = receiver
      .to('/shared-limited')
      .map((r) => r.receivedAt)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(3);
    expect(times[2] - times[0]).toBeGreaterThanOrEqual(900);
  });

  it('still runs a delivery job queued before fan-outs were batched (one delivery_id)', async () => {
    await stack.stopWorker();
    const sub = await subscribe('/legacy-job', { event_types: ['legacy.thing'] });
    await publish('legacy.thing');
    const [row] = await deliveriesOf(sub.id);
    const queue = stack.queue('deliveries');
    for (const job of await queue.getJobs(['waiting', 'delayed', 'prioritized'])) await job.remove();
    const [{ tenant_id }] = await api().sql<{ tenant_id: string }>(
      `SELECT tenant_id FROM webhook_deliveries WHERE id = $1`,
      [row.id],
    );
    await queue.add(
      'deliver',
      { tenant_id, delivery_id: row.id, attempt: 1 },
      { jobId: `${row.id}-1`, removeOnComplete: true, removeOnFail: true },
    );
    await stack.startWorker();
    await untilAll(sub.id, 'delivered', 1);
    expect(receiver.to('/legacy-job')).toHaveLength(1);
  });

  it('sweeps events past each tenant retention, with their deliveries and attempts, and keeps the rest', async () => {
    const sub = await subscribe('/kept', { event_types: ['retain.me'] });
    const otherSub = await subscribe('/other', { event_types: ['retain.me'] }, otherAdmin.token);
    const old = await publish('retain.me', { age: 'old' });
    const recent = await publish('retain.me', { age: 'recent' });
    const globexOld = await publish('retain.me', { age: 'twelve days' }, otherAdmin.token);
    await untilAll(sub.id, 'delivered', 2);
    await untilAll(otherSub.id, 'delivered', 1);
    await api().sql(`UPDATE webhook_events SET created_at = now() - interval '40 days' WHERE id = $1`, [old]);
    await api().sql(`UPDATE webhook_events SET created_at = now() - interval '12 days' WHERE id = $1`, [globexOld]);
    // acme keeps the default (30 days); globex keeps 10.
    await api().sql(`UPDATE tenants SET settings = settings || '{"retention_days": 10}' WHERE id = $1`, [globex.id]);

    const result = await stack.get(RetentionSweeper).sweepRetentionOnce();
    expect(result.deleted).toBeGreaterThanOrEqual(2);
    const left = await api().sql(`SELECT id FROM webhook_events WHERE id = ANY($1)`, [[old, recent, globexOld]]);
    expect(left.map((r) => r.id)).toEqual([recent]);
    const orphans = await api().sql(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_id = ANY($1)`, [
      [old, globexOld],
    ]);
    expect(orphans[0].n).toBe(0);
    const attempts = await api().sql(
      `SELECT count(*)::int AS n FROM webhook_delivery_attempts a WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = a.delivery_id)`,
    );
    expect(attempts[0].n).toBe(0);
  });

  it('runs the retention sweep as a maintenance job', async () => {
    const sub = await subscribe('/retention-job', { event_types: ['retain.job'] });
    const old = await publish('retain.job');
    await untilAll(sub.id, 'delivered', 1);
    await api().sql(`UPDATE webhook_events SET created_at = now() - interval '400 days' WHERE id = $1`, [old]);
    const queue = stack.queue('maintenance');
    const job = await queue.add('retention', { kind: 'retention' });
    await waitFor(
      'the retention job',
      async () => (await job.getState()) === 'completed' || (await queue.getJob(job.id!)) === undefined,
    );
    expect(await api().sql(`SELECT id FROM webhook_events WHERE id = $1`, [old])).toHaveLength(0);
  });

  it('keeps tenants apart: another tenant cannot read, retry or recover these deliveries', async () => {
    receiver.respond(500, '/private-to-acme');
    const sub = await subscribe('/private-to-acme', { event_types: ['mine.only'] });
    const eventId = await publish('mine.only');
    const [delivery] = await untilAll(sub.id, 'failed', 1);
    expect((await getDelivery(delivery.id)).status).toBe(200);

    expect((await getDelivery(delivery.id, otherAdmin.token)).status).toBe(404);
    expect((await api().request('GET', `/api/v1/events/${eventId}`, { token: otherAdmin.token })).status).toBe(404);
    expect(
      (await api().request('POST', `/api/v1/deliveries/${delivery.id}/retry`, { token: otherAdmin.token })).status,
    ).toBe(404);
    const recover = await api().request('POST', `/api/v1/subscriptions/${sub.id}/recover`, {
      token: otherAdmin.token,
      body: { since: '2020-01-01T00:00:00Z' },
    });
    expect(recover.status).toBe(404);
    const list = await api().request('GET', `/api/v1/deliveries?subscription_id=${sub.id}`, {
      token: otherAdmin.token,
    });
    expect(list.body.data ?? []).toHaveLength(0);
    await pause(300);
    expect(await deliveriesOf(sub.id)).toMatchObject([{ status: 'failed', attempt_count: 1 }]);
  });

  // Last: it stops the worker.
  it('finishes and records an in-flight delivery when the worker shuts down', async () => {
    receiver.respond(() => ({ status: 200, delayMs: 1000 }), '/draining');
    const sub = await subscribe('/draining', { event_types: ['drain.me'] });
    await publish('drain.me');
    await receiver.waitFor(1, '/draining');
    await stack.stopWorker();
    expect(await deliveriesOf(sub.id)).toMatchObject([{ status: 'delivered', attempt_count: 1 }]);
  });

  it('keeps next_attempt_at set exactly on pending and delivering rows (the due index and HOT claims rely on it)', async () => {
    await expectDueTimesConsistent(stack.api);
  });
});
