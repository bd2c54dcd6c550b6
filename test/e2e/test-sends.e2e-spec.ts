// Sending now (issue 13, point 2): a subscription's test message goes out at once and its outcome is the answer; a
// manual retry of a delivery waiting out its backoff is sent now. API and worker, real receivers on 127.0.0.1.
import { Webhook } from 'standardwebhooks';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

describe('sending now', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let admin: { token: string };

  beforeAll(async () => {
    stack = await startTestStack({ config: { WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_CONNECT_TIMEOUT_MS: '500' } });
    receiver = await startWebhookReceiver();
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const api = () => stack.api;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function subscribe(
    target: string,
    body: Record<string, unknown> = {},
  ): Promise<{ id: string; secret: string }> {
    const res = await api().request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: { app_name: 'receiver', target_url: target, event_types: ['never.published'], ...body },
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }
  const sendTest = (id: string, body: Record<string, unknown> = {}) =>
    api().request('POST', `/api/v1/subscriptions/${id}/test`, { token: admin.token, body });
  const getDelivery = async (id: string) =>
    (await api().request('GET', `/api/v1/deliveries/${id}`, { token: admin.token })).body;

  describe('POST /api/v1/subscriptions/{id}/test', () => {
    it('sends a signed webhook.test at once and answers 200 with the outcome, recorded as its one attempt', async () => {
      receiver.respond(() => ({ status: 200, body: 'thanks' }), '/ok');
      const sub = await subscribe(receiver.url('/ok'), { headers: { 'X-Team': 'billing' } });

      const res = await sendTest(sub.id);

      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        event_name: 'webhook.test',
        status: 'delivered',
        status_code: 200,
        error_class: null,
        error_message: null,
        response_body: 'thanks',
        response_truncated: false,
      });
      expect(res.body.duration_ms).toBeGreaterThanOrEqual(0);
      // Already there when the answer came: sent by the request, not queued.
      const [req] = receiver.to('/ok');
      expect(receiver.to('/ok')).toHaveLength(1);
      expect(req.headers['webhook-id']).toBe(res.body.delivery_id);
      expect(req.headers['x-team']).toBe('billing');
      expect(new Webhook(sub.secret).verify(req.body, req.headers as Record<string, string>)).toMatchObject({
        type: 'webhook.test',
        data: { test: true, subscription_id: sub.id },
      });

      const delivery = await getDelivery(res.body.delivery_id);
      expect(delivery).toMatchObject({
        event_id: res.body.event_id,
        subscription_id: sub.id,
        status: 'delivered',
        attempt_count: 1,
        next_attempt_at: null,
        last_status_code: 200,
      });
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]).toMatchObject({
        attempt_number: 1,
        status_code: 200,
        error_class: null,
        response_body: 'thanks',
        request_headers: { 'webhook-id': res.body.delivery_id, 'X-Team': '[REDACTED]' },
      });
      const audit = await api().request('GET', '/api/v1/audit-events?action=subscription.test', { token: admin.token });
      expect(audit.body.data).toEqual([
        expect.objectContaining({ outcome: 'success', status_code: 200, target_id: sub.id }),
      ]);
      // The worker does not send it again.
      await pause(1000);
      expect(receiver.to('/ok')).toHaveLength(1);
    });

    it('sends the event name and payload given', async () => {
      const sub = await subscribe(receiver.url('/named'));
      const res = await sendTest(sub.id, { event_name: 'order.created', payload: { order: { id: 'o-1' } } });
      expect(res.body).toMatchObject({ event_name: 'order.created', status: 'delivered' });
      expect(JSON.parse(receiver.to('/named')[0].body)).toMatchObject({
        type: 'order.created',
        data: { order: { id: 'o-1' } },
      });
    });

    it("answers 200 with the receiver's failure, and neither retries it nor counts it against the endpoint", async () => {
      receiver.respond(() => ({ status: 503, body: 'down for maintenance' }), '/down');
      const sub = await subscribe(receiver.url('/down'), { retry_schedule: [0, 1, 1] });

      const res = await sendTest(sub.id);

      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        status: 'failed',
        status_code: 503,
        error_class: 'non_2xx',
        error_message: 'HTTP 503',
        response_body: 'down for maintenance',
      });
      const delivery = await getDelivery(res.body.delivery_id);
      expect(delivery).toMatchObject({ status: 'failed', attempt_count: 1, next_attempt_at: null });
      expect(delivery.attempts.map((a: { status_code: number; error_class: string }) => a.error_class)).toEqual([
        'non_2xx',
      ]);
      await pause(2500);
      expect(receiver.to('/down')).toHaveLength(1);
      const [health] = await api().sql(
        'SELECT consecutive_failures, circuit_state, is_active FROM webhook_subscriptions WHERE id = $1',
        [sub.id],
      );
      expect(health).toEqual({ consecutive_failures: 0, circuit_state: 'closed', is_active: true });
    });

    it('answers the error class when nothing answers', async () => {
      const closed = await startWebhookReceiver();
      const target = closed.url('/gone');
      await closed.close();
      const sub = await subscribe(target);

      const res = await sendTest(sub.id);

      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        status: 'failed',
        status_code: null,
        error_class: 'connection_refused',
        response_body: null,
      });
    });

    it('is documented as 200 with the outcome', async () => {
      const { body: doc } = await api().request('GET', '/docs-json');
      const responses = doc.paths['/api/v1/subscriptions/{id}/test'].post.responses;
      expect(Object.keys(responses).filter((status) => status.startsWith('2'))).toEqual(['200']);
      const schema = doc.components.schemas[responses['200'].content['application/json'].schema.$ref.split('/').pop()];
      expect(Object.keys(schema.properties)).toEqual(
        expect.arrayContaining(['delivery_id', 'status', 'status_code', 'duration_ms', 'error_class', 'response_body']),
      );
    });
  });

  describe('POST /api/v1/deliveries/{id}/retry', () => {
    it('sends a delivery waiting out its backoff now', async () => {
      receiver.respond(WebhookReceiver.sequence(500, 200), '/backoff');
      const sub = await subscribe(receiver.url('/backoff'), { event_types: ['backoff.x'], retry_schedule: [0, 3600] });
      const published = await api().request('POST', '/api/v1/events', {
        token: admin.token,
        body: { event_name: 'backoff.x', payload: {} },
      });
      const [{ id }] = await api().sql<{ id: string }>(
        'SELECT id FROM webhook_deliveries WHERE event_id = $1 AND subscription_id = $2',
        [published.body.id, sub.id],
      );
      const waiting = await waitFor('the first attempt to fail', async () => {
        const d = await getDelivery(id);
        return d.status === 'pending' && d.attempt_count === 1 ? d : undefined;
      });
      expect(Date.parse(waiting.next_attempt_at)).toBeGreaterThan(Date.now() + 1800_000);

      const retry = await api().request('POST', `/api/v1/deliveries/${id}/retry`, { token: admin.token });

      expect(retry.status, retry.text).toBe(202);
      expect(retry.body).toMatchObject({ id, status: 'pending', attempt_count: 1 });
      const delivered = await waitFor(
        'the early attempt',
        async () => {
          const d = await getDelivery(id);
          return d.status === 'delivered' ? d : undefined;
        },
        5000,
      );
      expect(delivered.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 200]);
      expect(receiver.to('/backoff')).toHaveLength(2);
    });

    it('answers 409 delivery_in_progress while an attempt is in flight', async () => {
      receiver.respond(() => ({ status: 200, delayMs: 1500 }), '/slow');
      const sub = await subscribe(receiver.url('/slow'), { event_types: ['slow.x'] });
      await api().request('POST', '/api/v1/events', {
        token: admin.token,
        body: { event_name: 'slow.x', payload: {} },
      });
      await receiver.waitFor(1, '/slow');
      const [{ id }] = await api().sql<{ id: string }>('SELECT id FROM webhook_deliveries WHERE subscription_id = $1', [
        sub.id,
      ]);

      const busy = await api().request('POST', `/api/v1/deliveries/${id}/retry`, { token: admin.token });

      expect(busy.status).toBe(409);
      expect(busy.body.error.code).toBe('delivery_in_progress');
      await waitFor('the attempt in flight', async () => (await getDelivery(id)).status === 'delivered');
      expect(receiver.to('/slow')).toHaveLength(1);
    });
  });
});
