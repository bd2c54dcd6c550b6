// Input PostgreSQL cannot store or the API cannot walk gets a 4xx with the error body and writes nothing: NUL
// characters and unpaired surrogates, JSON nested too deep, forged cursors, over-long path parameters.
import { connect } from 'node:net';
import Stripe from 'stripe';
import { RoutingService } from '@conduit/ingestion/engine';
import { MAX_INPUT_DEPTH } from '@conduit/platform';
import { TestApi, startTestApi } from '../support/test-api';
import type { TenantId } from '@conduit/platform';

const stripe = new Stripe('sk_test_conduit');
const cursor = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
};
/** Arrays `depth` levels deep, as JSON text (JSON.stringify itself overflows the stack on a few thousand levels). */
const nestedText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('input hardening', () => {
  let api: TestApi;
  let admin: { token: string };
  let tenantId: TenantId;

  beforeAll(async () => {
    api = await startTestApi();
    tenantId = (await api.seedTenant('acme')).id;
    admin = await api.seedUser('acme', 'tenant_admin');
  });
  afterAll(() => api.close());

  const counts = async () => {
    const [row] = await api.sql(`SELECT (SELECT count(*) FROM webhook_subscriptions)::int AS subscriptions,
      (SELECT count(*) FROM webhook_events)::int AS events, (SELECT count(*) FROM webhook_deliveries)::int AS deliveries,
      (SELECT count(*) FROM inbound_events)::int AS inbound_events, (SELECT count(*) FROM audit_events)::int AS audit_events`);
    return row;
  };
  const expectError = (res: { status: number; body: any; headers: Headers }, status: number, code: string) => {
    expect({ status: res.status, body: res.body }).toEqual({
      status,
      body: {
        error: { code, message: expect.any(String), details: expect.any(Array) },
        request_id: res.headers.get('x-request-id'),
      },
    });
  };
  const subscription = {
    app_name: 'ledger',
    target_url: 'https://ledger.example.com/hook',
    event_types: ['order.created'],
  };
  const event = { event_name: 'order.created', source: 'shop', payload: { order_id: 'o1' } };

  describe('NUL characters and unpaired surrogates in JSON bodies', () => {
    it.each([
      [
        'a NUL in a string',
        '/api/v1/subscriptions',
        JSON.stringify({ ...subscription, app_name: 'a\u0000b' }),
        'app_name',
      ],
      [
        'a NUL in a payload value',
        '/api/v1/events',
        JSON.stringify({ ...event, payload: { note: ['ok', 'x\u0000'] } }),
        'payload.note[1]',
      ],
      ['a NUL in a payload key', '/api/v1/events', JSON.stringify({ ...event, payload: { 'k\u0000': 1 } }), 'payload'],
      ['a NUL in source (seed API)', '/api/webhooks/event', JSON.stringify({ ...event, source: 's\u0000' }), 'source'],
      [
        'a NUL in idempotency_key (seed API)',
        '/api/webhooks/event',
        JSON.stringify({ ...event, idempotency_key: '\u0000' }),
        'idempotency_key',
      ],
      [
        'a NUL in a payload key (seed API)',
        '/api/webhooks/event',
        JSON.stringify({ ...event, payload: { a: { '\u0000': 'v' } } }),
        'payload.a',
      ],
      [
        'a lone high surrogate',
        '/api/v1/events',
        `{"event_name":"order.created","payload":{"note":"\\ud800"}}`,
        'payload.note',
      ],
      [
        'a lone low surrogate in a key',
        '/api/v1/events',
        `{"event_name":"order.created","payload":{"\\udc00":1}}`,
        'payload',
      ],
      [
        'a surrogate pair in the wrong order',
        '/api/v1/subscriptions',
        JSON.stringify({ ...subscription, app_name: '\udc00\ud800' }),
        'app_name',
      ],
      [
        'a number beyond double range (would be stored as null)',
        '/api/v1/events',
        `{"event_name":"order.created","payload":{"total":1e400}}`,
        'payload.total',
      ],
    ])('%s is a 400 validation_failed naming the field, and writes nothing', async (_name, path, rawBody, field) => {
      const before = await counts();
      const res = await api.request('POST', path, { token: admin.token, rawBody });
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details[0]).toMatchObject({ field: expect.stringContaining(field) });
      expect(res.text).not.toContain('\u0000');
      expect(await counts()).toEqual(before);
    });

    it('leaves requests to unknown routes their 404', async () => {
      expectError(
        await api.request('POST', '/api/v1/nowhere', { token: admin.token, rawBody: '{"a":"\\u0000"}' }),
        404,
        'route_not_found',
      );
    });

    it('still accepts paired surrogates (emoji) and other control characters', async () => {
      const before = await counts();
      const res = await api.request('POST', '/api/v1/events', {
        token: admin.token,
        body: { ...event, payload: { note: 'ok \ud83d\ude00 \u0001\t' } },
      });
      expect(res.status).toBe(202);
      expect((await counts()).events).toBe(before.events + 1);
      const [row] = await api.sql(`SELECT payload->>'note' AS note FROM webhook_events WHERE id = $1`, [res.body.id]);
      expect(row.note).toBe('ok \ud83d\ude00 \u0001\t');
    });
  });

  describe('NUL characters in query strings and path parameters', () => {
    it.each([
      ['/api/v1/events?event_name=%00'],
      ['/api/v1/events?source=a%00b'],
      ['/api/v1/subscriptions?cursor=%00'],
      ['/api/v1/deliveries?status=%00'],
      ['/api/webhooks?tenant_id=%00'],
      ['/api/v1/users?email=x%00'],
    ])('GET %s is a 400 validation_failed', async (path) => {
      expectError(await api.request('GET', path, { token: admin.token }), 400, 'validation_failed');
    });

    it.each([
      ['GET', '/api/v1/events/a%00b'],
      ['GET', '/api/v1/tenants/acme%00'],
      ['PATCH', '/api/v1/subscriptions/%00'],
    ])('%s %s is a 400 validation_failed and writes nothing', async (method, path) => {
      const before = await counts();
      const res = await api.request(method, path, {
        token: admin.token,
        ...(method === 'PATCH' ? { body: { app_name: 'x' } } : {}),
      });
      expectError(res, 400, 'validation_failed');
      expect(await counts()).toEqual(before);
    });
  });

  describe('deeply nested JSON', () => {
    it('refuses a payload nested 2,000 arrays deep with 400 validation_failed before validation runs', async () => {
      const before = await counts();
      const rawBody = `{"event_name":"order.created","payload":${nestedText(2000)}}`;
      expect(rawBody.length).toBeLessThan(5000);
      const res = await api.request('POST', '/api/v1/events', { token: admin.token, rawBody });
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.message).toContain(String(MAX_INPUT_DEPTH));
      expect(await counts()).toEqual(before);
    });

    it('refuses objects nested too deep in any field, and a body a million levels deep', async () => {
      const before = await counts();
      let deepObject: unknown = 'leaf';
      for (let i = 0; i < 500; i += 1) deepObject = { a: deepObject };
      expectError(
        await api.request('POST', '/api/v1/subscriptions', {
          token: admin.token,
          body: { ...subscription, metadata: deepObject },
        }),
        400,
        'validation_failed',
      );
      expectError(
        await api.request('POST', '/api/v1/events', {
          token: admin.token,
          rawBody: `{"event_name":"a.b","payload":${nestedText(400_000)}}`,
        }),
        400,
        'validation_failed',
      );
      expect(await counts()).toEqual(before);
    });

    it(`accepts a payload exactly ${MAX_INPUT_DEPTH} levels deep (the body object is the first level)`, async () => {
      const ok = await api.request('POST', '/api/v1/events', {
        token: admin.token,
        body: { ...event, payload: nested(MAX_INPUT_DEPTH - 1) },
      });
      expect(ok.status).toBe(202);
      const tooDeep = await api.request('POST', '/api/v1/events', {
        token: admin.token,
        body: { ...event, payload: nested(MAX_INPUT_DEPTH) },
      });
      expectError(tooDeep, 400, 'validation_failed');
    });
  });

  describe('forged pagination cursors', () => {
    const uuid = '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f';
    it.each([
      '/api/v1/events',
      '/api/v1/deliveries',
      '/api/v1/subscriptions',
      '/api/v1/inbound-events',
      '/api/v1/audit-events',
    ])('GET %s with a forged cursor is a 400 validation_failed', async (path) => {
      for (const parts of [
        ['2026-01-01T00:00:00Z', 'not-a-uuid'],
        ['1', uuid],
        ['2026-13-01T00:00:00Z', uuid],
        ['+275760-09-13T00:00:00.000Z', uuid],
        ['2026-01-01T00:00:00Z\u0000', uuid],
      ]) {
        const res = await api.request('GET', `${path}?cursor=${cursor(parts)}`, { token: admin.token });
        expectError(res, 400, 'validation_failed');
        expect(res.body.error.details).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      }
    });

    it('still pages with the cursors the API hands out', async () => {
      for (let i = 0; i < 3; i += 1) await api.request('POST', '/api/v1/events', { token: admin.token, body: event });
      const first = await api.request('GET', '/api/v1/events?limit=2', { token: admin.token });
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await api.request('GET', `/api/v1/events?limit=2&cursor=${first.body.next_cursor}`, {
        token: admin.token,
      });
      expect(second.status).toBe(200);
      expect(second.body.data[0].id).not.toBe(first.body.data[1].id);
    });
  });

  describe('Fastify-level errors', () => {
    it('answers an over-long path parameter with 414 uri_too_long in the error body', async () => {
      const res = await api.request('GET', `/api/v1/events/${'a'.repeat(500)}`, { token: admin.token });
      expectError(res, 414, 'uri_too_long');
      expect(res.text).not.toContain('FST_ERR');
      const receive = await api.request('POST', `/api/v1/webhook/stripe/${'a'.repeat(500)}`, { rawBody: '{}' });
      expectError(receive, 414, 'uri_too_long');
    });

    it('answers a malformed percent-encoding in a path parameter with 400 malformed_url in the error body', async () => {
      expectError(await api.request('GET', '/api/v1/events/%E0%A4%A', { token: admin.token }), 400, 'malformed_url');
    });

    it("answers what Node's HTTP parser refuses with the error body too", async () => {
      const url = new URL(api.baseUrl);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () =>
          socket.write('GET /api/v1/events HTTP/1.1\r\nHost: x\r\nBad\u0000Header: 1\r\n\r\n'),
        );
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
        error: { code: 'bad_request', message: expect.any(String), details: [] },
        request_id: null,
      });
    });
  });

  describe('receive routes', () => {
    const createSource = async (body: Record<string, unknown>) => {
      const res = await api.request('POST', '/api/v1/sources', { token: admin.token, body });
      if (res.status !== 201) throw new Error(`source creation failed: ${res.status} ${res.text}`);
      return res.body;
    };
    const receive = (url: string, rawBody: string, headers: Record<string, string> = {}) =>
      api.request('POST', new URL(url).pathname, {
        rawBody,
        headers: { 'content-type': 'application/json', ...headers },
      });

    it('stores a JSON body with NUL characters, surrogates or deep nesting exactly as received, and routes it as bytes', async () => {
      const source = await createSource({ name: 'raw', provider: 'none' });
      const bodies = [
        '{"note":"a\\u0000b","\\u0000":1}',
        '{"note":"\\ud800"}',
        `{"deep":${nestedText(5000)}}`,
        `{"a":${nestedText(200_000)}}`,
      ];
      for (const rawBody of bodies) {
        const res = await receive(source.ingest_url, rawBody);
        expect(res.status).toBe(200);
        const [row] = await api.sql(`SELECT raw_body FROM inbound_events WHERE id = $1`, [res.body.event_id]);
        expect(row.raw_body.equals(Buffer.from(rawBody))).toBe(true);
        expect(await api.app.get(RoutingService).route(tenantId, res.body.event_id, 0)).toBe('routed');
        const [routed] = await api.sql(
          `SELECT ev.payload FROM inbound_events ie JOIN webhook_events ev ON ev.id = ie.routed_event_id WHERE ie.id = $1`,
          [res.body.event_id],
        );
        expect(routed.payload).toEqual({
          content_type: 'application/json',
          body_base64: Buffer.from(rawBody).toString('base64'),
        });
      }
    });

    it('keeps routing JSON bodies as JSON when they are well within the limits', async () => {
      const source = await createSource({ name: 'plain', provider: 'none' });
      const rawBody = JSON.stringify({
        note: 'emoji \ud83d\ude00 and \\u0000 as text',
        deep: nested(MAX_INPUT_DEPTH - 2),
      });
      const res = await receive(source.ingest_url, rawBody);
      expect(await api.app.get(RoutingService).route(tenantId, res.body.event_id, 0)).toBe('routed');
      const [routed] = await api.sql(
        `SELECT ev.payload FROM inbound_events ie JOIN webhook_events ev ON ev.id = ie.routed_event_id WHERE ie.id = $1`,
        [res.body.event_id],
      );
      expect(routed.payload).toEqual(JSON.parse(rawBody));
    });

    it('accepts a Stripe event whose id and type carry NUL characters (no 500 for the batch)', async () => {
      const source = await createSource({ name: 'stripe-nul', provider: 'stripe' });
      const payload = '{"id":"evt_\\u0000nul","type":"invoice.\\u0000paid","data":{}}';
      const sign = () => ({
        'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: source.secret }),
      });
      const res = await receive(source.ingest_url, payload, sign());
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('accepted');
      const [row] = await api.sql(`SELECT delivery_id, event_type, raw_body FROM inbound_events WHERE id = $1`, [
        res.body.event_id,
      ]);
      expect(row.raw_body.toString()).toBe(payload);
      expect(row.delivery_id).not.toContain('\u0000');
      const again = await receive(source.ingest_url, payload, sign());
      expect(again.body).toMatchObject({ status: 'duplicate', event_id: res.body.event_id });
    });
  });
});
