// A worker process killed (SIGKILL) in the middle of a batch: a new one reclaims the expired leases and every
// delivery ends delivered; anything received twice carries the same webhook-id.
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const EVENTS = 50;

describe('deliveries: worker killed mid-batch', () => {
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
    WEBHOOK_LEASE_SECONDS: '5',
    WEBHOOK_DELIVERY_CONCURRENCY: '10',
    WEBHOOK_RECONCILE_INTERVAL_MS: '1000',
    WEBHOOK_TIMEOUT_MS: '4000',
  };

  it('redelivers what the dead worker had in flight; every delivery ends delivered', { timeout: 90_000 }, async () => {
    receiver.respond(() => ({ status: 200, delayMs: 250 }));
    const sub = await stack.api.request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: {
        app_name: 'crash',
        target_url: receiver.url('/crash'),
        event_types: ['crash.test'],
        retry_schedule: [0, 1, 1, 1],
      },
    });
    expect(sub.status, sub.text).toBe(201);

    const first = await stack.startWorkerProcess(workerEnv);
    await first.healthy();
    for (let i = 0; i < EVENTS; i++) {
      const res = await stack.api.request('POST', '/api/v1/events', {
        token: admin.token,
        body: { event_name: 'crash.test', payload: { i } },
      });
      expect(res.status).toBe(202);
    }
    // Mid-batch: some delivered, about `concurrency` requests waiting for their answer.
    await receiver.waitFor(15, '/crash', 30_000);
    first.process.kill('SIGKILL');
    await first.exited(10_000);
    const receivedBeforeKill = receiver.to('/crash').length;
    const rows = await stack.api.sql(`SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status`);
    expect(rows.find((r) => r.status === 'delivered')?.n ?? 0).toBeLessThan(EVENTS);

    const second = await stack.startWorkerProcess(workerEnv);
    await second.healthy();
    const delivered = await waitFor(
      'every delivery delivered',
      async () => {
        const ds = await stack.api.sql<{ id: string; status: string }>(
          `SELECT id, status FROM webhook_deliveries WHERE subscription_id = $1`,
          [sub.body.id],
        );
        return ds.length === EVENTS && ds.every((d) => d.status === 'delivered') ? ds : undefined;
      },
      60_000,
    );

    const requests = receiver.to('/crash');
    const byId = new Map<string, string[]>();
    for (const r of requests)
      byId.set(r.headers['webhook-id'] as string, [...(byId.get(r.headers['webhook-id'] as string) ?? []), r.body]);
    expect(new Set(byId.keys())).toEqual(new Set(delivered.map((d) => d.id)));
    const duplicates = [...byId.values()].filter((bodies) => bodies.length > 1);
    // The requests that were in flight at the kill were sent again, as the same message.
    expect(duplicates.length).toBeGreaterThan(0);
    for (const bodies of duplicates) expect(new Set(bodies).size).toBe(1);
    expect(requests.length).toBe(EVENTS + duplicates.reduce((n, b) => n + b.length - 1, 0));
    expect(receivedBeforeKill).toBeGreaterThanOrEqual(15);

    second.process.kill('SIGTERM');
    expect(await second.exited(15_000)).toBe(0);
  });
});
