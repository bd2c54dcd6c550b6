// The delivery engine end to end: API and worker on one database and Redis, real receivers on 127.0.0.1.
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Webhook } from 'standardwebhooks';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { ReceivedRequest, WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';
import { expectDueTimesConsistent } from '../support/delivery-invariants';

const FAST = [0, 1, 1];

describe('deliveries', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let admin: { token: string };
  let tenantId: string;

  beforeAll(async () => {
    stack = await startTestStack({
      config: {
        WEBHOOK_TIMEOUT_MS: '600',
        WEBHOOK_CONNECT_TIMEOUT_MS: '500',
        WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: '100',
      },
    });
    receiver = await startWebhookReceiver();
    tenantId = (await stack.api.seedTenant('acme')).id;
    admin = await stack.api.seedUser('acme', 'tenant_admin');
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  const api = () => stack.api;
  async function subscribe(path: string, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const res = await api().request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: {
        app_name: `app${path.replace(/\//g, '-')}`,
        target_url: receiver.url(path),
        retry_schedule: FAST,
        ...body,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  }
  async function publish(event_name: string, payload: unknown = { n: 1 }): Promise<string> {
    const res = await api().request('POST', '/api/v1/events', { token: admin.token, body: { event_name, payload } });
    expect(res.status, res.text).toBe(202);
    return res.body.id;
  }
  async function deliveryOf(eventId: string, subscriptionId: string): Promise<string> {
    const res = await api().request('GET', `/api/v1/events/${eventId}`, { token: admin.token });
    const delivery = res.body.deliveries.find((d: { subscription_id: string }) => d.subscription_id === subscriptionId);
    if (!delivery) throw new Error(`no delivery of ${eventId} to ${subscriptionId}: ${res.text}`);
    return delivery.id;
  }
  const getDelivery = async (id: string) =>
    (await api().request('GET', `/api/v1/deliveries/${id}`, { token: admin.token })).body;
  const untilDelivery = (id: string, status: string, timeoutMs = 15_000) =>
    waitFor(
      `delivery ${id} ${status}`,
      async () => {
        const d = await getDelivery(id);
        return d.status === status ? d : undefined;
      },
      timeoutMs,
    );
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const headerOf = (r: ReceivedRequest, name: string) => r.headers[name] as string;
  /** Waits for operational events of a type, delivered to path, whose data matches. */
  const opsEvents = (path: string, type: string, match: (data: Record<string, unknown>) => boolean) =>
    waitFor(`${type} at ${path}`, async () => {
      const found = receiver
        .to(path)
        .map((r) => JSON.parse(r.body))
        .filter((b) => b.type === type && match(b.data));
      return found.length > 0 ? found : undefined;
    });

  it('fans an event out to matching subscriptions only, once each', async () => {
    await subscribe('/fan/exact', { event_types: ['order.created'] });
    await subscribe('/fan/wild', { event_types: ['order.*'] });
    await subscribe('/fan/filtered', { event_types: ['order.created'], filter: { total: { $gt: 1000 } } });
    const eventId = await publish('order.created', { order_id: 'o-1', total: 50 });

    const [exact] = await receiver.waitFor(1, '/fan/exact');
    await receiver.waitFor(1, '/fan/wild');
    await pause(700);
    expect(receiver.to('/fan/exact')).toHaveLength(1);
    expect(receiver.to('/fan/wild')).toHaveLength(1);
    expect(receiver.to('/fan/filtered')).toHaveLength(0);

    expect(exact.method).toBe('POST');
    expect(headerOf(exact, 'content-type')).toBe('application/json');
    const body = JSON.parse(exact.body);
    const event = (await api().request('GET', `/api/v1/events/${eventId}`, { token: admin.token })).body;
    expect(body).toEqual({ type: 'order.created', timestamp: event.created_at, data: { order_id: 'o-1', total: 50 } });
    expect(event.deliveries.map((d: { status: string }) => d.status)).toEqual(['delivered', 'delivered']);
  });

  it('signs per Standard Webhooks and the Loki scheme, sends raw payloads and custom headers, and records no credentials', async () => {
    const sub = await subscribe('/sig', { event_types: ['sig.plain'], headers: { 'X-Api-Key': 'key-do-not-store' } });
    const raw = await subscribe('/sig-raw', { event_types: ['sig.plain'], payload_format: 'raw' });
    const eventId = await publish('sig.plain', { amount: 12.5, note: 'ünïcödé' });
    const [req] = await receiver.waitFor(1, '/sig');
    const [rawReq] = await receiver.waitFor(1, '/sig-raw');

    const deliveryId = await deliveryOf(eventId, sub.id);
    expect(headerOf(req, 'webhook-id')).toBe(deliveryId);
    expect(new Webhook(sub.secret).verify(req.body, req.headers as Record<string, string>)).toMatchObject({
      type: 'sig.plain',
    });
    const loki = createHmac('sha256', sub.secret).update(req.body).digest('hex');
    expect(headerOf(req, 'x-loki-signature')).toBe(`sha256=${loki}`);
    expect(headerOf(req, 'x-loki-event')).toBe('sig.plain');
    expect(Math.abs(Date.parse(headerOf(req, 'x-loki-timestamp')) - Date.now())).toBeLessThan(10_000);
    expect(headerOf(req, 'x-api-key')).toBe('key-do-not-store');
    expect(req.headers.authorization).toBeUndefined();

    expect(JSON.parse(rawReq.body)).toEqual({ amount: 12.5, note: 'ünïcödé' });
    expect(() => new Webhook(raw.secret).verify(rawReq.body, rawReq.headers as Record<string, string>)).not.toThrow();

    const delivery = await untilDelivery(deliveryId, 'delivered');
    expect(delivery.attempts[0].request_headers).toMatchObject({ 'webhook-id': deliveryId, 'X-Api-Key': '[REDACTED]' });
    const stored = await api().sql(
      `SELECT request_headers::text AS h FROM webhook_delivery_attempts WHERE delivery_id = $1`,
      [deliveryId],
    );
    expect(stored[0].h).not.toContain('key-do-not-store');
  });

  it('signs with both the old and the new secret after a rotation', async () => {
    const sub = await subscribe('/rotate', { event_types: ['sig.rotate'] });
    const rotated = await api().request('POST', `/api/v1/subscriptions/${sub.id}/rotate-secret`, {
      token: admin.token,
    });
    expect(rotated.status).toBe(200);
    await publish('sig.rotate');
    const [req] = await receiver.waitFor(1, '/rotate');
    expect(headerOf(req, 'webhook-signature').split(' ')).toHaveLength(2);
    for (const secret of [sub.secret, rotated.body.secret]) {
      expect(() => new Webhook(secret).verify(req.body, req.headers as Record<string, string>)).not.toThrow();
    }
    // The seed's scheme carries one signature: the current secret's.
    expect(headerOf(req, 'x-loki-signature')).toBe(
      `sha256=${createHmac('sha256', rotated.body.secret).update(req.body).digest('hex')}`,
    );
  });

  it('sends private subscriptions a bearer JWT with the seed claims, keyed by the signing secret', async () => {
    const sub = await subscribe('/private', { event_types: ['sig.private'], type: 'private', app_name: 'vault' });
    await publish('sig.private');
    const [req] = await receiver.waitFor(1, '/private');
    const token = headerOf(req, 'authorization').replace(/^Bearer /, '');
    const key = Buffer.from(sub.secret.slice('whsec_'.length), 'base64');
    const claims = jwt.verify(token, key, { algorithms: ['HS256'], issuer: 'conduit' }) as Record<string, unknown>;
    expect(claims).toMatchObject({
      sub: sub.id,
      webhook_id: sub.id,
      tenant_id: tenantId,
      app_name: 'vault',
      iss: 'conduit',
    });
    expect(claims.exp).toBeGreaterThan(claims.iat as number);
    expect(claims.nbf).toBe(claims.iat);
    expect(() => new Webhook(sub.secret).verify(req.body, req.headers as Record<string, string>)).not.toThrow();
  });

  it('retries after failures: three attempts recorded, delivered once, same webhook-id each time', async () => {
    receiver.respond(WebhookReceiver.sequence(500, 500, 200), '/flaky');
    const sub = await subscribe('/flaky', { event_types: ['flaky.thing'] });
    const eventId = await publish('flaky.thing');
    const deliveryId = await deliveryOf(eventId, sub.id);
    const delivery = await untilDelivery(deliveryId, 'delivered');

    expect(delivery.attempt_count).toBe(3);
    expect(
      delivery.attempts.map((a: { attempt_number: number; status_code: number; error_class: string | null }) => [
        a.attempt_number,
        a.status_code,
        a.error_class,
      ]),
    ).toEqual([
      [1, 500, 'non_2xx'],
      [2, 500, 'non_2xx'],
      [3, 200, null],
    ]);
    const requests = receiver.to('/flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => headerOf(r, 'webhook-id')))).toEqual(new Set([deliveryId]));
    // About a second apart (schedule [0, 1, 1] with ±10% jitter).
    expect(requests[1].receivedAt - requests[0].receivedAt).toBeGreaterThanOrEqual(850);
    const [health] = await api().sql(
      `SELECT consecutive_failures, failing_since FROM webhook_subscriptions WHERE id = $1`,
      [sub.id],
    );
    expect(health).toEqual({ consecutive_failures: 0, failing_since: null });
  });

  it('honours Retry-After, stretching the schedule', async () => {
    receiver.respond((_r, nth) => (nth === 1 ? { status: 503, headers: { 'retry-after': '3' } } : 200), '/busy');
    const sub = await subscribe('/busy', { event_types: ['busy.thing'] });
    const deliveryId = await deliveryOf(await publish('busy.thing'), sub.id);
    await untilDelivery(deliveryId, 'delivered');
    const [first, second] = receiver.to('/busy');
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(2900);
  });

  it('gives up after the schedule and publishes message.attempt.exhausted to the tenant', async () => {
    receiver.respond(500, '/down');
    await subscribe('/ops-messages', { event_types: ['message.*'] });
    const sub = await subscribe('/down', { event_types: ['payment.failed'] });
    const eventId = await publish('payment.failed', { id: 'p-1' });
    const deliveryId = await deliveryOf(eventId, sub.id);
    const delivery = await untilDelivery(deliveryId, 'failed');
    expect(delivery).toMatchObject({ attempt_count: 3, last_status_code: 500, last_error_class: 'non_2xx' });
    expect(receiver.to('/down')).toHaveLength(3);

    const [op] = await opsEvents(
      '/ops-messages',
      'message.attempt.exhausted',
      (data) => data.delivery_id === deliveryId,
    );
    expect(op.data).toEqual({
      delivery_id: deliveryId,
      event_id: eventId,
      event_name: 'payment.failed',
      subscription_id: sub.id,
      app_name: 'app-down',
      attempts: 3,
      last_status_code: 500,
      last_error_class: 'non_2xx',
    });
    const [opEvent] = await api().sql(
      `SELECT source FROM webhook_events WHERE event_name = 'message.attempt.exhausted' AND payload->>'delivery_id' = $1`,
      [deliveryId],
    );
    expect(opEvent.source).toBe('conduit');
  });

  it('never publishes operational events about operational events', async () => {
    receiver.respond(500, '/ops-broken');
    // Subscribed to its own kind of event and always failing: without the rule this would loop forever.
    await subscribe('/ops-broken', { event_types: ['loop.*', 'message.*'], retry_schedule: [0] });
    const eventId = await publish('loop.start');
    // loop.start fails, its exhausted event reaches this endpoint and fails too...
    const [, second] = await receiver.waitFor(2, '/ops-broken');
    expect(JSON.parse(second.body)).toMatchObject({ type: 'message.attempt.exhausted', data: { event_id: eventId } });
    await pause(1500);
    // ...and that second failure publishes nothing.
    expect(receiver.to('/ops-broken')).toHaveLength(2);
    const about = await api().sql(
      `SELECT payload->>'event_id' AS e FROM webhook_events WHERE event_name = 'message.attempt.exhausted' AND payload->>'app_name' = 'app-ops-broken'`,
    );
    expect(about.map((r) => r.e)).toEqual([eventId]);
  });

  it('announces a delivery exhausted once: a failed manual retry is recorded, not announced again', async () => {
    receiver.respond(500, '/retry-down');
    const sub = await subscribe('/retry-down', { event_types: ['retry.down'], retry_schedule: [0] });
    const deliveryId = await deliveryOf(await publish('retry.down'), sub.id);
    await untilDelivery(deliveryId, 'failed');
    const exhaustedEvents = async () =>
      Number(
        (
          await api().sql(
            `SELECT count(*)::int AS n FROM webhook_events WHERE event_name = 'message.attempt.exhausted' AND payload->>'delivery_id' = $1`,
            [deliveryId],
          )
        )[0].n,
      );
    await waitFor('the exhausted event', async () => ((await exhaustedEvents()) === 1 ? true : undefined));
    expect((await api().request('POST', `/api/v1/deliveries/${deliveryId}/retry`, { token: admin.token })).status).toBe(
      202,
    );
    await waitFor('the manual attempt', async () => {
      const d = await getDelivery(deliveryId);
      return d.status === 'failed' && d.attempt_count === 2 ? d : undefined;
    });
    await pause(1000);
    expect(await exhaustedEvents()).toBe(1);
    expect(receiver.to('/retry-down')).toHaveLength(2);
  });

  it('publishes endpoint.disabled even when the delivery that disabled the endpoint carried an operational event', async () => {
    receiver.respond(410, '/ops-gone');
    receiver.respond(500, '/exhaust-source');
    await subscribe('/ops-disabled-watch', { event_types: ['endpoint.disabled'] });
    // This endpoint only ever receives operational events, and answers 410 to the first one.
    const opsGone = await subscribe('/ops-gone', { event_types: ['message.attempt.exhausted'] });
    await subscribe('/exhaust-source', { event_types: ['exhaust.me'], retry_schedule: [0] });
    await publish('exhaust.me');
    const [op] = await opsEvents(
      '/ops-disabled-watch',
      'endpoint.disabled',
      (data) => data.subscription_id === opsGone.id,
    );
    expect(op.data).toMatchObject({ subscription_id: opsGone.id, reason: 'gone', last_status_code: 410 });
    const got = await api().request('GET', `/api/v1/subscriptions/${opsGone.id}`, { token: admin.token });
    expect(got.body).toMatchObject({ is_active: false, disabled_reason: 'gone' });
  });

  it('disables a subscription whose endpoint answers 410 and publishes endpoint.disabled', async () => {
    receiver.respond(410, '/gone');
    await subscribe('/ops-endpoints', { event_types: ['endpoint.*'] });
    const sub = await subscribe('/gone', { event_types: ['gone.thing'] });
    const deliveryId = await deliveryOf(await publish('gone.thing'), sub.id);
    await untilDelivery(deliveryId, 'failed');
    expect(receiver.to('/gone')).toHaveLength(1);

    const got = await api().request('GET', `/api/v1/subscriptions/${sub.id}`, { token: admin.token });
    expect(got.body).toMatchObject({ is_active: false, disabled_reason: 'gone' });
    const [op] = await opsEvents('/ops-endpoints', 'endpoint.disabled', (data) => data.subscription_id === sub.id);
    expect(op.data).toMatchObject({
      subscription_id: sub.id,
      reason: 'gone',
      delivery_id: deliveryId,
      last_status_code: 410,
    });

    // Later events do not reach it, and a delivery still queued for it is cancelled, not sent.
    await publish('gone.thing');
    await pause(500);
    expect(receiver.to('/gone')).toHaveLength(1);
  });

  it('cancels pending deliveries of a subscription that was disabled meanwhile', async () => {
    receiver.respond(500, '/later');
    const sub = await subscribe('/later', { event_types: ['later.thing'], retry_schedule: [0, 2] });
    const deliveryId = await deliveryOf(await publish('later.thing'), sub.id);
    await receiver.waitFor(1, '/later');
    await untilDelivery(deliveryId, 'pending');
    await api().request('PATCH', `/api/v1/subscriptions/${sub.id}`, { token: admin.token, body: { is_active: false } });
    const delivery = await untilDelivery(deliveryId, 'cancelled');
    expect(delivery.last_error).toBe('subscription_disabled');
    expect(receiver.to('/later')).toHaveLength(1);
  });

  it('classifies a receiver slower than WEBHOOK_TIMEOUT_MS as a timeout', async () => {
    receiver.respond(() => ({ status: 200, delayMs: 2000 }), '/slow');
    const sub = await subscribe('/slow', { event_types: ['slow.thing'], retry_schedule: [0] });
    const deliveryId = await deliveryOf(await publish('slow.thing'), sub.id);
    const delivery = await untilDelivery(deliveryId, 'failed');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ status_code: null, error_class: 'timeout' });
    expect(delivery.attempts[0].duration_ms).toBeGreaterThanOrEqual(550);
    expect(delivery.attempts[0].duration_ms).toBeLessThan(1500);
  });

  it('delivers on a 2xx status line even when the body then stalls or is cut off (not sent again), and records that', async () => {
    receiver.respond(() => ({ status: 200, body: 'partial', thenBody: 'stall' }), '/stalls');
    receiver.respond(() => ({ status: 202, body: 'half', thenBody: 'reset' }), '/resets');
    const stalls = await subscribe('/stalls', { event_types: ['stalls.thing'] });
    const resets = await subscribe('/resets', { event_types: ['resets.thing'] });
    const stalled = await untilDelivery(await deliveryOf(await publish('stalls.thing'), stalls.id), 'delivered');
    const reset = await untilDelivery(await deliveryOf(await publish('resets.thing'), resets.id), 'delivered');
    expect(stalled.attempts).toHaveLength(1);
    expect(stalled.attempts[0]).toMatchObject({
      status_code: 200,
      error_class: null,
      response_body: 'partial',
      response_truncated: true,
    });
    expect(stalled.attempts[0].error_message).toMatch(/^response body incomplete \(timeout\)/);
    expect(reset.attempts).toHaveLength(1);
    expect(reset.attempts[0]).toMatchObject({ status_code: 202, error_class: null, response_truncated: true });
    expect(reset.attempts[0].error_message).toMatch(/^response body incomplete \((connection_reset|network)\)/);
    // Delivered is final: the receiver, which accepted each webhook, got nothing twice.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.to('/stalls')).toHaveLength(1);
    expect(receiver.to('/resets')).toHaveLength(1);
  });

  it('still fails a non-2xx whose body stalls (the status decides)', async () => {
    receiver.respond(() => ({ status: 500, body: 'oops', thenBody: 'stall' }), '/fails-stalling');
    const sub = await subscribe('/fails-stalling', { event_types: ['fails.stalling'], retry_schedule: [0] });
    const delivery = await untilDelivery(await deliveryOf(await publish('fails.stalling'), sub.id), 'failed');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ status_code: 500, error_class: 'timeout' });
  });

  it('classifies a closed port as connection_refused', async () => {
    const res = await api().request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: {
        app_name: 'nobody',
        target_url: 'http://127.0.0.1:9/hook',
        event_types: ['refused.thing'],
        retry_schedule: [0],
      },
    });
    const deliveryId = await deliveryOf(await publish('refused.thing'), res.body.id);
    const delivery = await untilDelivery(deliveryId, 'failed');
    expect(delivery.attempts[0]).toMatchObject({ status_code: null, error_class: 'connection_refused' });
  });

  it('records response headers and the body truncated to WEBHOOK_RESPONSE_BODY_LIMIT', async () => {
    receiver.respond(() => ({ status: 200, headers: { 'x-receipt': 'r-1' }, body: 'y'.repeat(10_000) }), '/chatty');
    const sub = await subscribe('/chatty', { event_types: ['chatty.thing'] });
    const deliveryId = await deliveryOf(await publish('chatty.thing'), sub.id);
    const delivery = await untilDelivery(deliveryId, 'delivered');
    const [attempt] = delivery.attempts;
    expect(attempt.response_headers['x-receipt']).toBe('r-1');
    expect(attempt.response_body).toHaveLength(stack.config.WEBHOOK_RESPONSE_BODY_LIMIT);
    expect(attempt.response_truncated).toBe(true);
  });

  it('stores hostile response bodies and headers verbatim', async () => {
    const body = `'); DELETE FROM webhook_deliveries; -- \\ \\' E'\\x' $1 $$ "quoted" ✓ \u00e9`;
    receiver.respond(() => ({ status: 200, headers: { 'x-odd': `it's \\ "odd"` }, body }), '/hostile');
    const sub = await subscribe('/hostile', { event_types: ['hostile.thing'] });
    const deliveryId = await deliveryOf(await publish('hostile.thing', { note: `it's \\ fine` }), sub.id);
    const delivery = await untilDelivery(deliveryId, 'delivered');
    expect(delivery.attempts[0].response_body).toBe(body);
    expect(delivery.attempts[0].response_headers['x-odd']).toBe(`it's \\ "odd"`);
    const [{ n }] = await api().sql(`SELECT count(*)::int AS n FROM webhook_deliveries`);
    expect(n).toBeGreaterThan(10);
  });

  it('records a response body holding NUL with U+FFFD in its place (PostgreSQL cannot store NUL), as every stored text', async () => {
    receiver.respond(() => ({ status: 200, body: 'ok\u0000done' }), '/nul');
    const sub = await subscribe('/nul', { event_types: ['nul.thing'] });
    const deliveryId = await deliveryOf(await publish('nul.thing'), sub.id);
    const delivery = await untilDelivery(deliveryId, 'delivered');
    expect(delivery.attempts[0].response_body).toBe('ok\uFFFDdone');
  });

  it('exposes delivery metrics on the worker port', async () => {
    const res = await fetch(stack.workerUrl('/metrics'));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/conduit_deliveries_total\{outcome="delivered"\} [1-9]/);
    expect(text).toMatch(/conduit_deliveries_total\{outcome="retrying"\} [1-9]/);
    expect(text).toMatch(/conduit_delivery_attempt_duration_seconds_count [1-9]/);
    expect(text).toMatch(/conduit_delivery_lag_seconds_bucket/);
    expect(text).toMatch(/conduit_queue_jobs\{queue="deliveries",state="waiting"\} \d+/);
  });

  it('keeps next_attempt_at set exactly on pending and delivering rows (the due index and HOT claims rely on it)', async () => {
    await expectDueTimesConsistent(stack.api);
  });
});
