// Webhooks in, routing a job's batch: one transaction for the batch, and when one request of it cannot be published
// (here a trigger that refuses its event, installed as the owner), the others are still routed, the failure is
// recorded on its row, and the job's retry publishes nothing twice. Routing is called as the worker's processor
// calls it (RoutingService.routeAll), then once through the real queue and worker.
import { randomUUID } from 'node:crypto';
import { RoutingService } from '@conduit/ingestion/engine';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';
import type { TenantId } from '@conduit/platform';

describe('webhooks in: routing a batch', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let tenantId: TenantId;
  let token: string;
  let ingestPath: string;
  let sourceId: string;
  const subscriptionIds: string[] = [];

  beforeAll(async () => {
    // No worker at first: the jobs the receive path queues wait, and the tests route as the processor would.
    stack = await startTestStack({ worker: false });
    receiver = await startWebhookReceiver();
    tenantId = (await stack.api.seedTenant('acme')).id;
    token = (await stack.api.seedUser('acme', 'tenant_admin')).token;
    for (const app_name of ['one', 'two']) {
      const res = await stack.api.request('POST', '/api/v1/subscriptions', {
        token,
        body: { app_name, target_url: receiver.url(`/${app_name}`), event_types: ['batch.*'] },
      });
      expect(res.status).toBe(201);
      subscriptionIds.push(res.body.id);
    }
    const source = (
      await stack.api.request('POST', '/api/v1/sources', {
        token,
        body: {
          name: 'batched',
          provider: 'none',
          event_type_path: '$.kind',
          filter: { kind: { $ne: 'batch.ignored' } },
        },
      })
    ).body;
    ingestPath = new URL(source.ingest_url).pathname;
    sourceId = source.id;
  });
  afterAll(async () => {
    await stack.api.sql(`DROP TRIGGER IF EXISTS refuse_poison ON webhook_events`);
    await receiver.close();
    await stack.close();
  });

  const routing = () => stack.api.app.get(RoutingService);
  const receive = async (body: Record<string, unknown>): Promise<string> => {
    const res = await stack.api.request('POST', ingestPath, {
      rawBody: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    return res.body.event_id;
  };
  const rows = (ids: string[]) =>
    stack.api.sql(
      `SELECT id, status, event_type, routed_event_id, routing_attempts, routing_error FROM inbound_events WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  const row = async (id: string) => (await rows([id]))[0];
  /** The rows of these requests, by id. */
  const rowsOf = async (ids: string[]) => {
    const byId = new Map((await rows(ids)).map((r) => [r.id as string, r]));
    return (id: string) => {
      const found = byId.get(id);
      if (!found) throw new Error(`no inbound row ${id}`);
      return found;
    };
  };
  /** Outgoing events published for a request (any generation), with their deliveries. */
  const eventsOf = (id: string) =>
    stack.api.sql(
      `SELECT ev.id, ev.event_name, ev.delivery_count, (SELECT count(*)::int FROM webhook_deliveries d WHERE d.event_id = ev.id) AS deliveries
         FROM webhook_events ev WHERE ev.idempotency_key LIKE $1`,
      [`inbound:${id}:%`],
    );
  const poisonTrigger = async (on: boolean) => {
    if (!on) return stack.api.sql(`DROP TRIGGER IF EXISTS refuse_poison ON webhook_events`);
    await stack.api.sql(`
      CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->>'poison' = 'yes' THEN RAISE EXCEPTION 'poisoned event refused'; END IF;
        RETURN NEW;
      END $$`);
    await stack.api.sql(
      `CREATE TRIGGER refuse_poison BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
    );
  };

  it('routes a batch into one event per request (filtered ones marked, unknown ids skipped), and a second run creates nothing', async () => {
    const ids = [
      await receive({ kind: 'batch.a', n: 1 }),
      await receive({ kind: 'batch.ignored', n: 2 }),
      await receive({ kind: 'batch.b', n: 3 }),
    ];
    expect(await routing().routeAll(tenantId, [...ids, randomUUID()], 0, false)).toEqual([]);
    const first = await rowsOf(ids);
    expect(ids.map((id) => [first(id).status, first(id).event_type])).toEqual([
      ['routed', 'batch.a'],
      ['filtered', 'batch.ignored'],
      ['routed', 'batch.b'],
    ]);
    for (const id of [ids[0], ids[2]]) {
      const events = await eventsOf(id);
      expect(events).toEqual([
        expect.objectContaining({ id: first(id).routed_event_id, delivery_count: 2, deliveries: 2 }),
      ]);
    }
    expect(await eventsOf(ids[1])).toEqual([]);
    // In one transaction (one routing time for the batch), not one by one.
    const [{ times }] = await stack.api.sql(
      `SELECT count(DISTINCT routed_at)::int AS times FROM inbound_events WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    expect(times).toBe(1);

    // The job routed again (a retry after it succeeded, or the reconciler's copy): nothing new.
    expect(await routing().routeAll(tenantId, ids, 0, false)).toEqual([]);
    const again = await rowsOf(ids);
    for (const id of ids) expect(again(id).routed_event_id).toBe(first(id).routed_event_id);
    for (const id of [ids[0], ids[2]]) expect(await eventsOf(id)).toHaveLength(1);
  });

  it('routes the others when one request of the batch cannot be published, records the failure, and the retry publishes nothing twice', async () => {
    const ids = [
      await receive({ kind: 'batch.c', n: 1 }),
      await receive({ kind: 'batch.c', n: 2, poison: 'yes' }),
      await receive({ kind: 'batch.c', n: 3 }),
      await receive({ kind: 'batch.ignored', n: 4 }),
    ];
    const poisoned = ids[1];
    const healthy = ids.filter((id) => id !== poisoned);
    await poisonTrigger(true);
    try {
      const failures = await routing().routeAll(tenantId, ids, 0, false);
      expect(failures.map((f) => f.id)).toEqual([poisoned]);
      expect(failures[0].error.message).toContain('poisoned event refused');
    } finally {
      await poisonTrigger(false);
    }
    const afterFailure = await rowsOf(ids);
    expect(afterFailure(poisoned)).toMatchObject({ status: 'accepted', routing_attempts: 1, routed_event_id: null });
    expect(afterFailure(poisoned).routing_error).toContain('poisoned event refused');
    expect(healthy.map((id) => afterFailure(id).status)).toEqual(['routed', 'routed', 'filtered']);
    expect(await eventsOf(poisoned)).toEqual([]);

    // The job's retry (same generation), now that the event is accepted: the poisoned one routed, the others unchanged.
    expect(await routing().routeAll(tenantId, ids, 0, false)).toEqual([]);
    const afterRetry = await rowsOf(ids);
    expect(afterRetry(poisoned)).toMatchObject({ status: 'routed', routing_attempts: 1, routing_error: null });
    for (const id of healthy) expect(afterRetry(id).routed_event_id).toBe(afterFailure(id).routed_event_id);
    for (const id of [ids[0], poisoned, ids[2]]) {
      expect(await eventsOf(id)).toEqual([
        expect.objectContaining({ id: afterRetry(id).routed_event_id, delivery_count: 2, deliveries: 2 }),
      ]);
    }
  });

  it('publishes one event per request when two copies of a job route the same batch at once', async () => {
    const ids = [
      await receive({ kind: 'batch.f', n: 1 }),
      await receive({ kind: 'batch.f', n: 2 }),
      await receive({ kind: 'batch.f', n: 3 }),
    ];
    const outcomes = await Promise.all([
      routing().routeAll(tenantId, ids, 0, false),
      routing().routeAll(tenantId, [...ids].reverse(), 0, false),
    ]);
    expect(outcomes).toEqual([[], []]);
    const routed = await rowsOf(ids);
    for (const id of ids) {
      expect(await eventsOf(id)).toEqual([expect.objectContaining({ id: routed(id).routed_event_id, deliveries: 2 })]);
    }
  });

  it('starts the chains an event triggers, once per routed event (the publish hook runs per event in the batch)', async () => {
    const chain = await stack.api.request('POST', '/api/v1/chains', {
      token,
      body: {
        name: 'on batch.chain',
        trigger_event: 'batch.chain',
        steps: [{ webhook_id: subscriptionIds[0], name: 'Notify' }],
      },
    });
    expect(chain.status).toBe(201);
    const ids = [
      await receive({ kind: 'batch.chain', n: 1 }),
      await receive({ kind: 'batch.other', n: 2 }),
      await receive({ kind: 'batch.chain', n: 3 }),
    ];
    const runsByEvent = async () =>
      stack.api.sql(
        `SELECT ie.id, (SELECT count(*)::int FROM execution_chain_runs r WHERE r.trigger_event_id = ie.routed_event_id AND r.chain_id = $2) AS runs
           FROM inbound_events ie WHERE ie.id = ANY($1::uuid[])`,
        [ids, chain.body.id],
      );
    expect(await routing().routeAll(tenantId, ids, 0, false)).toEqual([]);
    const expected = expect.arrayContaining([
      { id: ids[0], runs: 1 },
      { id: ids[1], runs: 0 },
      { id: ids[2], runs: 1 },
    ]);
    expect(await runsByEvent()).toEqual(expected);
    expect(await routing().routeAll(tenantId, ids, 0, false)).toEqual([]);
    expect(await runsByEvent()).toEqual(expected);
  });

  it('marks a request failed on the last attempt, still routing the others', async () => {
    const ids = [await receive({ kind: 'batch.d', n: 1 }), await receive({ kind: 'batch.d', n: 2, poison: 'yes' })];
    await poisonTrigger(true);
    try {
      expect((await routing().routeAll(tenantId, ids, 0, true)).map((f) => f.id)).toEqual([ids[1]]);
    } finally {
      await poisonTrigger(false);
    }
    expect(await row(ids[0])).toMatchObject({ status: 'routed' });
    expect(await row(ids[1])).toMatchObject({ status: 'failed', routing_attempts: 1 });
  });

  it('through the queue and worker: a job with a failing request is retried by BullMQ and each request delivered once', async () => {
    // The jobs queued by the tests above are routed too when the worker starts: again, idempotently.
    await poisonTrigger(true);
    const ids = await Promise.all([
      receive({ kind: 'batch.e', n: 1 }),
      receive({ kind: 'batch.e', n: 2, poison: 'yes' }),
      receive({ kind: 'batch.e', n: 3 }),
    ]);
    const poisoned = ids[1];
    try {
      await stack.startWorker();
      await waitFor('the failure recorded and the others routed', async () => {
        const now = await rows(ids);
        return now.every((r) => (r.id === poisoned ? r.routing_attempts >= 1 : r.status === 'routed'));
      });
    } finally {
      await poisonTrigger(false);
    }
    // BullMQ retries the job (backoff 1 s, then 2 s): the poisoned request is routed.
    await waitFor('the retry routed it', async () => (await row(poisoned)).status === 'routed', 15_000);
    const deliveredE = () => receiver.to('/one').filter((d) => JSON.parse(d.body).type === 'batch.e');
    await waitFor('delivered', async () => deliveredE().length >= 3);
    // Every request of this suite, its earlier jobs routed again by the worker too (the poisoned ones retried):
    // routed or filtered in the end, and each routed one is exactly one event.
    await waitFor(
      'every request routed',
      async () =>
        (
          await stack.api.sql(
            `SELECT 1 FROM inbound_events WHERE source_id = $1 AND status IN ('accepted', 'failed')`,
            [sourceId],
          )
        ).length === 0,
      15_000,
    );
    const all = await stack.api.sql(`SELECT id, status FROM inbound_events WHERE source_id = $1`, [sourceId]);
    expect(all.length).toBeGreaterThanOrEqual(18);
    for (const r of all) expect(await eventsOf(r.id)).toHaveLength(r.status === 'routed' ? 1 : 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      deliveredE()
        .map((d) => JSON.parse(d.body).data.n)
        .sort(),
    ).toEqual([1, 2, 3]);
  });
});
