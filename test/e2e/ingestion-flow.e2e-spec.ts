// End to end: a provider's signed webhook is verified, stored, routed by the worker into the tenant's fan-out,
// and delivered to a subscriber; filtered, failing and replayed routing too.
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { IngestionReconciler } from '@conduit/ingestion/engine';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const stripe = new Stripe('sk_test_conduit');

describe('webhooks in, end to end', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    receiver = await startWebhookReceiver();
    await stack.api.seedTenant('acme');
    token = (await stack.api.seedUser('acme', 'tenant_admin')).token;
  });
  afterAll(async () => {
    await receiver.close();
    await stack.close();
  });

  const api = () => stack.api;
  const inbound = async (id: string) => (await api().request('GET', `/api/v1/inbound-events/${id}`, { token })).body;

  it('routes a verified Stripe webhook to a subscriber of its event type, signed for that subscriber', async () => {
    const sub = await api().request('POST', '/api/v1/subscriptions', {
      token,
      body: { app_name: 'ledger', target_url: receiver.url('/ledger'), event_types: ['payment_intent.*'] },
    });
    const source = (
      await api().request('POST', '/api/v1/sources', { token, body: { name: 'stripe', provider: 'stripe' } })
    ).body;
    const payload = JSON.stringify({
      id: 'evt_flow_1',
      type: 'payment_intent.succeeded',
      data: { object: { amount: 4200 } },
    });
    const res = await api().request('POST', new URL(source.ingest_url).pathname, {
      rawBody: payload,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: source.secret }),
      },
    });
    expect(res.status).toBe(200);
    const [delivered] = await receiver.waitFor(1, '/ledger');
    const envelope = JSON.parse(delivered.body);
    expect(envelope).toMatchObject({ type: 'payment_intent.succeeded', data: JSON.parse(payload) });
    expect(() =>
      new Webhook(sub.body.secret).verify(delivered.body, delivered.headers as Record<string, string>),
    ).not.toThrow();
    const row = await waitFor('routed', async () => {
      const e = await inbound(res.body.event_id);
      return e.status === 'routed' ? e : null;
    });
    expect(row).toMatchObject({ event_type: 'payment_intent.succeeded', routed_event_id: expect.any(String) });
    const event = (await api().request('GET', `/api/v1/events/${row.routed_event_id}`, { token })).body;
    expect(event).toMatchObject({ source: 'inbound:stripe', event_name: 'payment_intent.succeeded' });
  });

  it("marks payloads the source's filter excludes as filtered, and delivers nothing", async () => {
    await api().request('POST', '/api/v1/subscriptions', {
      token,
      body: { app_name: 'all', target_url: receiver.url('/all'), event_types: ['*'] },
    });
    const source = (
      await api().request('POST', '/api/v1/sources', {
        token,
        body: { name: 'live-only', provider: 'none', event_type_path: '$.kind', filter: { livemode: { $eq: true } } },
      })
    ).body;
    const before = receiver.to('/all').length;
    const test = await api().request('POST', new URL(source.ingest_url).pathname, {
      rawBody: '{"kind":"order.created","livemode":false}',
      headers: { 'content-type': 'application/json' },
    });
    const live = await api().request('POST', new URL(source.ingest_url).pathname, {
      rawBody: '{"kind":"order.created","livemode":true}',
      headers: { 'content-type': 'application/json' },
    });
    await waitFor('filtered', async () => (await inbound(test.body.event_id)).status === 'filtered');
    await waitFor('routed', async () => (await inbound(live.body.event_id)).status === 'routed');
    const deliveredNow = await receiver.waitFor(before + 1, '/all');
    expect(deliveredNow.slice(before).map((r) => JSON.parse(r.body).data.livemode)).toEqual([true]);
    expect((await inbound(live.body.event_id)).event_type).toBe('order.created');
  });

  it('replays an inbound webhook into a new outgoing event', async () => {
    const source = (
      await api().request('POST', '/api/v1/sources', {
        token,
        body: { name: 'replayable', provider: 'none', event_type_path: '$.kind' },
      })
    ).body;
    await api().request('POST', '/api/v1/subscriptions', {
      token,
      body: { app_name: 'replays', target_url: receiver.url('/replays'), event_types: ['replay.me'] },
    });
    const res = await api().request('POST', new URL(source.ingest_url).pathname, {
      rawBody: '{"kind":"replay.me"}',
      headers: { 'content-type': 'application/json' },
    });
    await receiver.waitFor(1, '/replays');
    const first = await waitFor('routed', async () => {
      const e = await inbound(res.body.event_id);
      return e.status === 'routed' ? e : null;
    });
    expect((await api().request('POST', `/api/v1/inbound-events/${res.body.event_id}/replay`, { token })).status).toBe(
      202,
    );
    await receiver.waitFor(2, '/replays');
    const second = await waitFor('re-routed', async () => {
      const e = await inbound(res.body.event_id);
      return e.status === 'routed' && e.routed_event_id !== first.routed_event_id ? e : null;
    });
    expect(second.routed_event_id).not.toBe(first.routed_event_id);
  });

  it('routes a burst of concurrent requests (group-committed, routed in batch jobs) into one event each', async () => {
    await api().request('POST', '/api/v1/subscriptions', {
      token,
      body: { app_name: 'burst', target_url: receiver.url('/burst'), event_types: ['burst.*'] },
    });
    const source = (
      await api().request('POST', '/api/v1/sources', {
        token,
        body: { name: 'burst', provider: 'none', event_type_path: '$.kind' },
      })
    ).body;
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        api().request('POST', new URL(source.ingest_url).pathname, {
          rawBody: JSON.stringify({ kind: 'burst.item', i }),
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(200));
    const delivered = await receiver.waitFor(40, '/burst');
    expect(delivered.map((d) => JSON.parse(d.body).data.i).sort((a: number, b: number) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    await waitFor('all routed', async () => {
      const [{ n }] = await stack.api.sql(
        `SELECT count(*)::int AS n FROM inbound_events WHERE source_id = $1 AND status = 'routed'`,
        [source.id],
      );
      return n === 40;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.to('/burst')).toHaveLength(40);
  });

  it('still routes a job queued before routing was batched (one inbound_event_id)', async () => {
    const source = (
      await api().request('POST', '/api/v1/sources', {
        token,
        body: { name: 'legacy-job', provider: 'none', event_type_path: '$.kind' },
      })
    ).body;
    await stack.stopWorker();
    const res = await api().request('POST', new URL(source.ingest_url).pathname, {
      rawBody: '{"kind":"legacy.job"}',
      headers: { 'content-type': 'application/json' },
    });
    const keys = await stack.redis.keys(`${stack.config.REDIS_PREFIX}:ingestion:*`);
    if (keys.length) await stack.redis.del(...keys);
    const [{ tenant_id }] = await stack.api.sql(`SELECT tenant_id FROM inbound_events WHERE id = $1`, [
      res.body.event_id,
    ]);
    await stack
      .queue('ingestion')
      .add(
        'route',
        { tenant_id, inbound_event_id: res.body.event_id, generation: 0 },
        { jobId: `legacy-${res.body.event_id}` },
      );
    await stack.startWorker();
    await waitFor('legacy job routed', async () => (await inbound(res.body.event_id)).status === 'routed');
  });

  it('re-queues accepted requests whose routing job was lost (reconciler)', async () => {
    const source = (
      await api().request('POST', '/api/v1/sources', {
        token,
        body: { name: 'lost-jobs', provider: 'none', event_type_path: '$.kind' },
      })
    ).body;
    await stack.stopWorker();
    const res = await api().request('POST', new URL(source.ingest_url).pathname, {
      rawBody: '{"kind":"lost.job"}',
      headers: { 'content-type': 'application/json' },
    });
    // Lose the queued job as a Redis flush would.
    const keys = await stack.redis.keys(`${stack.config.REDIS_PREFIX}:ingestion:*`);
    if (keys.length) await stack.redis.del(...keys);
    await stack.startWorker();
    expect((await inbound(res.body.event_id)).status).toBe('accepted');
    const { enqueued } = await stack.get(IngestionReconciler).reconcileOnce(0);
    expect(enqueued).toBeGreaterThanOrEqual(1);
    await waitFor('routed after reconcile', async () => (await inbound(res.body.event_id)).status === 'routed');
  });
});
