// Webhooks in through the real API: sources, verification with third-party signers, storage as received, dedupe.
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { SourceResolver } from '@conduit/ingestion';
import { TestApi, startTestApi } from '../support/test-api';
import { signLoki } from '@conduit/signatures';

const stripe = new Stripe('sk_test_conduit');

describe('webhooks in (API)', () => {
  let api: TestApi;
  let admin: { token: string };
  let other: { token: string };
  let tenantId: string;

  beforeAll(async () => {
    api = await startTestApi({ INGEST_DEFAULT_TENANT: 'acme' });
    tenantId = (await api.seedTenant('acme')).id;
    await api.seedTenant('globex');
    admin = await api.seedUser('acme', 'tenant_admin');
    other = await api.seedUser('globex', 'tenant_admin');
  });
  afterAll(() => api.close());

  const createSource = async (body: Record<string, unknown>, token = admin.token) => {
    const res = await api.request('POST', '/api/v1/sources', { token, body });
    if (res.status !== 201) throw new Error(`source creation failed: ${res.status} ${res.text}`);
    return res.body;
  };
  const path = (url: string) => new URL(url).pathname;
  const post = (url: string, body: string, headers: object) =>
    api.request('POST', path(url), {
      rawBody: body,
      headers: { 'content-type': 'application/json', ...(headers as Record<string, string>) },
    });

  describe('sources', () => {
    it('creates a source with a generated secret shown once, an unguessable ingest URL and a receive URL', async () => {
      const src = await createSource({ name: 'stripe-live', provider: 'stripe' });
      expect(src.secret).toMatch(/^whsec_/);
      expect(src.ingest_url).toMatch(/\/api\/v1\/webhook\/stripe\/[A-Za-z0-9_-]{32}$/);
      expect(src.receive_url).toMatch(new RegExp(`/api/webhooks/receive/${src.id}$`));
      const read = await api.request('GET', `/api/v1/sources/${src.id}`, { token: admin.token });
      expect(read.body.secret).toMatch(/^••••/);
      expect(read.body.secret).not.toContain(src.secret.slice(6, 20));
      const [row] = await api.sql('SELECT * FROM inbound_sources WHERE id = $1', [src.id]);
      expect(JSON.stringify(row)).not.toContain(src.secret);
    });

    it('validates input and keeps sources inside their tenant', async () => {
      expect(
        (await api.request('POST', '/api/v1/sources', { token: admin.token, body: { name: 'x', provider: 'paypal' } }))
          .status,
      ).toBe(400);
      expect(
        (
          await api.request('POST', '/api/v1/sources', {
            token: admin.token,
            body: { name: 'x', provider: 'none', filter: { a: { $where: 1 } } },
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await api.request('POST', '/api/v1/sources', {
            token: admin.token,
            body: { name: 'x', provider: 'none', allowed_cidrs: ['nope'] },
          })
        ).status,
      ).toBe(400);
      const shortJwt = await api.request('POST', '/api/v1/sources', {
        token: admin.token,
        body: { name: 'x', provider: 'jwt_hmac', secret: 'too-short-key' },
      });
      expect(shortJwt.body.error.code).toBe('invalid_source');
      const badBasic = await api.request('POST', '/api/v1/sources', {
        token: admin.token,
        body: { name: 'x', provider: 'basic', secret: 'no-colon-here' },
      });
      expect(badBasic.body.error.code).toBe('invalid_source');
      const src = await createSource({ name: 'mine', provider: 'github' });
      expect((await api.request('GET', `/api/v1/sources/${src.id}`, { token: other.token })).status).toBe(404);
      expect(
        (await api.request('POST', `/api/v1/sources/${src.id}/rotate-secret`, { token: other.token, body: {} })).status,
      ).toBe(404);
      const list = await api.request('GET', '/api/v1/sources', { token: other.token });
      expect(JSON.stringify(list.body)).not.toContain(src.id);
    });

    it('lists sources without decrypting their secrets: the hint kept beside each is what answers show', async () => {
      const src = await createSource({ name: 'hinted', provider: 'hmac' });
      const hint = `••••${src.secret.slice(-4)}`;
      const [row] = await api.sql<{ secret_hint: string }>('SELECT secret_hint FROM inbound_sources WHERE id = $1', [
        src.id,
      ]);
      expect(row.secret_hint).toBe(hint);
      // A sealed secret nobody can open: the list and the read still answer, with the hint, so neither decrypted it.
      await api.sql(`UPDATE inbound_sources SET secret_sealed = 'not-a-sealed-value' WHERE id = $1`, [src.id]);
      const list = await api.request('GET', '/api/v1/sources?limit=100', { token: admin.token });
      expect(list.status).toBe(200);
      expect(list.body.data.find((s: { id: string }) => s.id === src.id)?.secret).toBe(hint);
      expect((await api.request('GET', `/api/v1/sources/${src.id}`, { token: admin.token })).body.secret).toBe(hint);
      // A source whose secret was set before hints were kept: its secret is opened to show the same hint.
      const older = await createSource({ name: 'older', provider: 'hmac' });
      await api.sql('UPDATE inbound_sources SET secret_hint = NULL WHERE id = $1', [older.id]);
      const read = await api.request('GET', `/api/v1/sources/${older.id}`, { token: admin.token });
      expect(read.body.secret).toBe(`••••${older.secret.slice(-4)}`);
      // Rotation keeps the hint current.
      const rotated = await api.request('POST', `/api/v1/sources/${older.id}/rotate-secret`, {
        token: admin.token,
        body: {},
      });
      const [after] = await api.sql<{ secret_hint: string }>('SELECT secret_hint FROM inbound_sources WHERE id = $1', [
        older.id,
      ]);
      expect(after.secret_hint).toBe(`••••${(rotated.body.secret as string).slice(-4)}`);
    });
  });

  describe('verification with real signers', () => {
    it('stripe: accepts generateTestHeaderString, refuses tampering, wrong secret, old timestamps and missing headers', async () => {
      const src = await createSource({ name: 'stripe', provider: 'stripe' });
      const payload = JSON.stringify({
        id: 'evt_1',
        type: 'payment_intent.succeeded',
        data: { object: { amount: 100 } },
      });
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret: src.secret });
      const ok = await post(src.ingest_url, payload, { 'stripe-signature': header });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({
        status: 'accepted',
        event_id: expect.any(String),
        metadata: { payload_size: Buffer.byteLength(payload), source_ip: '127.0.0.1' },
      });
      const cases: [string, Record<string, string>, string][] = [
        [payload.replace('100', '999'), { 'stripe-signature': header }, 'signature_invalid'],
        [
          payload,
          { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_wrong' }) },
          'signature_invalid',
        ],
        [
          payload,
          {
            'stripe-signature': stripe.webhooks.generateTestHeaderString({
              payload,
              secret: src.secret,
              timestamp: Math.floor(Date.now() / 1000) - 600,
            }),
          },
          'timestamp_out_of_tolerance',
        ],
        [payload, {}, 'signature_missing'],
      ];
      for (const [body, headers, code] of cases) {
        const res = await post(src.ingest_url, body, headers);
        expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code });
      }
      const [row] = await api.sql(`SELECT rejected_count, last_rejected_reason FROM inbound_sources WHERE id = $1`, [
        src.id,
      ]);
      expect(row).toEqual({ rejected_count: '4', last_rejected_reason: 'signature_missing' });
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM inbound_events WHERE source_id = $1`, [src.id]);
      expect(n).toBe(1);
    });

    it('stripe: the previous secret is accepted during rotation only', async () => {
      const src = await createSource({ name: 'stripe-rot', provider: 'stripe' });
      const payload = JSON.stringify({ id: 'evt_rot_1', type: 'x.y' });
      const rotated = await api.request('POST', `/api/v1/sources/${src.id}/rotate-secret`, {
        token: admin.token,
        body: { grace_seconds: 3600 },
      });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).not.toBe(src.secret);
      const withOld = await post(src.ingest_url, payload, {
        'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: src.secret }),
      });
      expect(withOld.status).toBe(200);
      const payload2 = JSON.stringify({ id: 'evt_rot_2', type: 'x.y' });
      const withNew = await post(src.ingest_url, payload2, {
        'stripe-signature': stripe.webhooks.generateTestHeaderString({
          payload: payload2,
          secret: rotated.body.secret,
        }),
      });
      expect(withNew.status).toBe(200);
      await api.request('POST', `/api/v1/sources/${src.id}/rotate-secret`, {
        token: admin.token,
        body: { grace_seconds: 0 },
      });
      const payload3 = JSON.stringify({ id: 'evt_rot_3', type: 'x.y' });
      const afterGrace = await post(src.ingest_url, payload3, {
        'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: payload3, secret: src.secret }),
      });
      expect(afterGrace.status).toBe(401);
    });

    it('github: accepts @octokit/webhooks-methods signatures and the published vector, refuses a wrong secret', async () => {
      const { sign } = await import('@octokit/webhooks-methods');
      const src = await createSource({ name: 'gh', provider: 'github', secret: "It's a Secret to Everybody" });
      const vector = await api.request('POST', path(src.ingest_url), {
        rawBody: 'Hello, World!',
        headers: {
          'content-type': 'text/plain',
          'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
          'x-github-delivery': 'vector-1',
          'x-github-event': 'ping',
        },
      });
      expect(vector.status).toBe(200);
      const payload = JSON.stringify({ action: 'opened', number: 1 });
      const ok = await post(src.ingest_url, payload, {
        'x-hub-signature-256': await sign("It's a Secret to Everybody", payload),
        'x-github-delivery': 'd-1',
        'x-github-event': 'pull_request',
      });
      expect(ok.status).toBe(200);
      const bad = await post(src.ingest_url, payload, {
        'x-hub-signature-256': await sign('other', payload),
        'x-github-delivery': 'd-2',
      });
      expect(bad.status).toBe(401);
      const detail = await api.request('GET', `/api/v1/inbound-events/${ok.body.event_id}`, { token: admin.token });
      expect(detail.body).toMatchObject({
        event_type: 'pull_request.opened',
        delivery_id: 'd-1',
        body: payload,
        status: 'accepted',
      });
      const plain = await api.request('GET', `/api/v1/inbound-events/${vector.body.event_id}`, { token: admin.token });
      expect(plain.body).toMatchObject({ content_type: 'text/plain', body: 'Hello, World!' });
    });

    it('standard webhooks: accepts the standardwebhooks package signature and refuses an old one', async () => {
      const src = await createSource({ name: 'sw', provider: 'standard_webhooks' });
      const wh = new Webhook(src.secret);
      const payload = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1' } });
      const now = new Date();
      const ok = await post(src.ingest_url, payload, {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': wh.sign('msg_1', now, payload),
      });
      expect(ok.status).toBe(200);
      const old = new Date(Date.now() - 10 * 60 * 1000);
      const stale = await post(src.ingest_url, payload, {
        'webhook-id': 'msg_2',
        'webhook-timestamp': String(Math.floor(old.getTime() / 1000)),
        'webhook-signature': wh.sign('msg_2', old, payload),
      });
      expect(stale.body.error.code).toBe('timestamp_out_of_tolerance');
    });

    it('seed models: /api/webhooks/generate then /api/webhooks/receive/{id} with HMAC (public) and HMAC + JWT (private), 202', async () => {
      const pub = await api.request('POST', '/api/webhooks/generate', {
        token: admin.token,
        body: { name: 'partner', type: 'public' },
      });
      expect(pub.status).toBe(201);
      expect(pub.body).toMatchObject({
        type: 'public',
        url: expect.stringMatching(/\/api\/webhooks\/receive\//),
        secret_token: expect.any(String),
      });
      expect(pub.body.auth_token).toBeUndefined();
      const body = JSON.stringify({ hello: 'world' });
      const headers = signLoki(body, pub.body.secret_token, new Date(), 'partner.ping');
      const ok = await post(pub.body.url, body, headers);
      expect(ok.status).toBe(202);
      expect(ok.body.status).toBe('accepted');
      expect(createHmac('sha256', pub.body.secret_token).update(body).digest('hex')).toBe(
        headers['X-Loki-Signature'].slice(7),
      );
      const stale = signLoki(body, pub.body.secret_token, new Date(Date.now() - 6 * 60 * 1000), 'partner.ping');
      expect((await post(pub.body.url, body, stale)).body.error.code).toBe('timestamp_out_of_tolerance');

      const priv = await api.request('POST', '/api/webhooks/generate', {
        token: admin.token,
        body: { type: 'private' },
      });
      expect(priv.body.auth_token).toEqual(expect.any(String));
      const privHeaders = signLoki(body, priv.body.secret_token, new Date(), 'partner.secure');
      expect((await post(priv.body.url, body, privHeaders)).body.error.code).toBe('token_missing');
      const okPriv = await post(priv.body.url, body, {
        ...privHeaders,
        authorization: `Bearer ${priv.body.auth_token}`,
      });
      expect(okPriv.status).toBe(202);
      // Another source's token does not open this one.
      const otherPriv = await api.request('POST', '/api/webhooks/generate', {
        token: admin.token,
        body: { type: 'private' },
      });
      const wrongToken = await post(priv.body.url, body, {
        ...privHeaders,
        authorization: `Bearer ${otherPriv.body.auth_token}`,
      });
      expect(wrongToken.body.error.code).toBe('token_invalid');
    });
  });

  describe('acceptance', () => {
    it('deduplicates 20 concurrent identical deliveries into one event', async () => {
      const src = await createSource({ name: 'dedupe', provider: 'stripe' });
      const payload = JSON.stringify({ id: 'evt_dup', type: 'charge.succeeded' });
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret: src.secret });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => post(src.ingest_url, payload, { 'stripe-signature': header })),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(new Set(results.map((r) => r.body.event_id)).size).toBe(1);
      expect(results.filter((r) => r.body.status === 'accepted')).toHaveLength(1);
      expect(results.filter((r) => r.body.status === 'duplicate')).toHaveLength(19);
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM inbound_events WHERE source_id = $1`, [src.id]);
      expect(n).toBe(1);
    });

    it('stores the exact bytes and headers (credentials masked), including non-JSON bodies', async () => {
      const src = await createSource({ name: 'keyed', provider: 'api_key', secret: 'a-very-long-api-key-value' });
      const xml = '<?xml version="1.0"?><order id="7"><total>12.50</total></order>';
      const res = await api.request('POST', path(src.ingest_url), {
        rawBody: xml,
        headers: {
          'content-type': 'application/xml',
          'x-api-key': 'a-very-long-api-key-value',
          'idempotency-key': 'xml-1',
        },
      });
      expect(res.status).toBe(200);
      const detail = await api.request('GET', `/api/v1/inbound-events/${res.body.event_id}`, { token: admin.token });
      expect(detail.body).toMatchObject({
        content_type: 'application/xml',
        body: xml,
        delivery_id: 'xml-1',
        payload_size: Buffer.byteLength(xml),
      });
      expect(Buffer.from(detail.body.body_base64, 'base64').toString()).toBe(xml);
      expect(detail.body.headers['x-api-key']).toBe('[REDACTED]');
      expect(JSON.stringify(detail.body.headers)).not.toContain('a-very-long-api-key-value');
      const form = await api.request('POST', path(src.ingest_url), {
        rawBody: 'a=1&b=two',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': 'a-very-long-api-key-value' },
      });
      expect(form.status).toBe(200);
      expect(
        (await api.request('GET', `/api/v1/inbound-events/${form.body.event_id}`, { token: admin.token })).body.body,
      ).toBe('a=1&b=two');
      const wrongKey = await api.request('POST', path(src.ingest_url), {
        rawBody: '{}',
        headers: { 'content-type': 'application/json', 'x-api-key': 'nope-nope-nope' },
      });
      expect(wrongKey.body.error.code).toBe('credentials_invalid');
    });

    it('enforces the per-source size limit (413) and allowed address ranges (403), storing nothing', async () => {
      const small = await createSource({ name: 'small', provider: 'none', max_body_bytes: 64 });
      const big = await post(small.ingest_url, JSON.stringify({ pad: 'x'.repeat(100) }), {});
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('payload_too_large');
      const fenced = await createSource({ name: 'fenced', provider: 'none', allowed_cidrs: ['203.0.113.0/24'] });
      const refused = await post(fenced.ingest_url, '{}', {});
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('ip_not_allowed');
      const open = await createSource({ name: 'loopback-ok', provider: 'none', allowed_cidrs: ['127.0.0.0/8'] });
      expect((await post(open.ingest_url, '{}', {})).status).toBe(200);
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM inbound_events WHERE source_id = ANY($1)`, [
        [small.id, fenced.id],
      ]);
      expect(n).toBe(0);
    });

    it('answers 404 for unknown, inactive or mismatched sources, and serves the default-tenant path', async () => {
      const src = await createSource({ name: 'shopify', provider: 'none' });
      expect((await post(src.ingest_url.replace('/none/', '/github/'), '{}', {})).status).toBe(404);
      expect(
        (
          await api.request('POST', '/api/v1/webhook/none/not-a-real-key-but-long-enough', {
            rawBody: '{}',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await api.request('POST', '/api/webhooks/receive/not-a-uuid', {
            rawBody: '{}',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(404);
      const viaDefault = await api.request('POST', '/api/v1/webhook/shopify', {
        rawBody: '{"a":1}',
        headers: { 'content-type': 'application/json' },
      });
      expect(viaDefault.status).toBe(200);
      const [row] = await api.sql(`SELECT source_id, tenant_id FROM inbound_events WHERE id = $1`, [
        viaDefault.body.event_id,
      ]);
      expect(row).toEqual({ source_id: src.id, tenant_id: tenantId });
      await api.request('PATCH', `/api/v1/sources/${src.id}`, { token: admin.token, body: { is_active: false } });
      expect((await post(src.ingest_url, '{}', {})).status).toBe(404);
    });
  });

  describe('the receive path', () => {
    it('refuses a body declared as JSON that does not parse (400 invalid_json) only once it is verified, storing nothing', async () => {
      const src = await createSource({ name: 'strict-json', provider: 'hmac' });
      const broken = '{"type": "order.created", ';
      const unsigned = await post(src.ingest_url, broken, {});
      expect(unsigned.status).toBe(401);
      expect(unsigned.body.error.code).toBe('signature_missing');
      const signed = await post(src.ingest_url, broken, signLoki(broken, src.secret, new Date(), 'order.created'));
      expect(signed.status).toBe(400);
      expect(signed.body).toMatchObject({ error: { code: 'invalid_json' }, request_id: expect.any(String) });
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM inbound_events WHERE source_id = $1`, [src.id]);
      expect(n).toBe(0);
      const read = await api.request('GET', `/api/v1/sources/${src.id}`, { token: admin.token });
      expect(read.body).toMatchObject({ rejected_count: 2, last_rejected_reason: 'invalid_json' });
    });

    it('loads an uncached source once for a burst of concurrent requests (single flight), all accepted', async () => {
      const src = await createSource({ name: 'cold-burst', provider: 'none' });
      const resolver = api.app.get(SourceResolver);
      const load = vi.spyOn(resolver as unknown as { load: (t: unknown) => Promise<unknown> }, 'load');
      try {
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) => post(src.ingest_url, JSON.stringify({ i }), {})),
        );
        expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
        expect(load).toHaveBeenCalledTimes(1);
      } finally {
        load.mockRestore();
      }
    });

    it('answers with a request id (echoing a valid X-Request-Id), the error body on unknown receive paths, and counts requests in the metrics', async () => {
      const src = await createSource({ name: 'ids', provider: 'none' });
      const accepted = await api.request('POST', path(src.ingest_url), {
        rawBody: '{}',
        headers: { 'content-type': 'application/json', 'x-request-id': 'provider-req-0001' },
      });
      expect(accepted.status).toBe(200);
      expect(accepted.headers.get('x-request-id')).toBe('provider-req-0001');
      const generated = await post(src.ingest_url, '{}', {});
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const unknown = await api.request('POST', '/api/v1/webhook/none/a/b', {
        rawBody: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({
        error: { code: 'route_not_found' },
        request_id: unknown.headers.get('x-request-id'),
      });
      // Other methods on these paths are Nest's, as before.
      expect((await api.request('GET', path(src.ingest_url))).status).toBe(404);
      const metrics = await api.request('GET', '/metrics');
      expect(metrics.text).toMatch(
        /conduit_http_requests_total\{method="POST",route="\/api\/v1\/webhook\/:provider\/:sourceKey",status="200"\} [1-9]/,
      );
    });
  });

  describe('inbound events API', () => {
    it('lists with filters, and is isolated per tenant', async () => {
      const list = await api.request('GET', '/api/v1/inbound-events?status=accepted&limit=200', { token: admin.token });
      expect(list.status).toBe(200);
      expect(list.body.data.length).toBeGreaterThan(3);
      const first = list.body.data[0];
      expect(first.body).toBeUndefined();
      expect((await api.request('GET', `/api/v1/inbound-events/${first.id}`, { token: other.token })).status).toBe(404);
      expect(
        (await api.request('POST', `/api/v1/inbound-events/${first.id}/replay`, { token: other.token })).status,
      ).toBe(404);
      const theirs = await api.request('GET', '/api/v1/inbound-events', { token: other.token });
      expect(theirs.body.data).toEqual([]);
      const bySource = await api.request('GET', `/api/v1/inbound-events?source_id=${first.source_id}`, {
        token: admin.token,
      });
      expect(bySource.body.data.every((e: { source_id: string }) => e.source_id === first.source_id)).toBe(true);
    });

    it('replays one event and a time range', async () => {
      const { body: list } = await api.request('GET', '/api/v1/inbound-events?limit=1', { token: admin.token });
      const replay = await api.request('POST', `/api/v1/inbound-events/${list.data[0].id}/replay`, {
        token: admin.token,
      });
      expect(replay.status).toBe(202);
      expect(replay.body.status).toBe('accepted');
      const range = await api.request('POST', '/api/v1/inbound-events/replay', {
        token: admin.token,
        body: {
          since: new Date(Date.now() - 3600_000).toISOString(),
          until: new Date(Date.now() + 1000).toISOString(),
        },
      });
      expect(range.status).toBe(202);
      expect(range.body.replayed).toBeGreaterThan(3);
      const bad = await api.request('POST', '/api/v1/inbound-events/replay', {
        token: admin.token,
        body: { since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' },
      });
      expect(bad.status).toBe(400);
    });
  });
});

describe('shutdown', () => {
  it('answers receive requests 503 service_unavailable (retry later) from the start of shutdown, storing nothing more', async () => {
    const api = await startTestApi();
    try {
      await api.seedTenant('acme');
      const admin = await api.seedUser('acme', 'tenant_admin');
      const src = (
        await api.request('POST', '/api/v1/sources', {
          token: admin.token,
          body: { name: 'closing', provider: 'none' },
        })
      ).body;
      const send = () =>
        api.request('POST', new URL(src.ingest_url).pathname, {
          rawBody: '{}',
          headers: { 'content-type': 'application/json' },
        });
      expect((await send()).status).toBe(200);
      // What Nest calls first when the application starts to shut down.
      (api.app.getHttpAdapter() as unknown as { beforeClose(): void }).beforeClose();
      const refused = await send();
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('service_unavailable');
      expect(refused.headers.get('retry-after')).toBe('5');
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM inbound_events WHERE source_id = $1`, [src.id]);
      expect(n).toBe(1);
    } finally {
      await api.close();
    }
  });

  it('answers every other new request 503 too (API routes, readiness), while a request already being read finishes', async () => {
    const api = await startTestApi();
    try {
      await api.seedTenant('acme');
      const admin = await api.seedUser('acme', 'tenant_admin');
      expect((await api.request('GET', '/api/v1/subscriptions', { token: admin.token })).status).toBe(200);
      // A request whose body is still arriving when shutdown starts: it got past the front door, so it is answered.
      const url = new URL(`${api.baseUrl}/api/v1/sources`);
      const body = JSON.stringify({ name: 'late', provider: 'none' });
      const inFlight = new Promise<{ status: number; body: string }>((resolveResponse, reject) => {
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: {
              authorization: `Bearer ${admin.token}`,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c));
            res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 5));
        setTimeout(() => req.end(body.slice(5)), 300);
      });
      await new Promise((r) => setTimeout(r, 100));
      (api.app.getHttpAdapter() as unknown as { beforeClose(): void }).beforeClose();

      for (const [method, path] of [
        ['GET', '/api/v1/subscriptions'],
        ['GET', '/health/ready'],
        ['POST', '/api/v1/auth/login'],
      ] as const) {
        const refused = await api.request(method, path, {
          token: admin.token,
          headers: { 'x-request-id': 'shutdown-check-1' },
        });
        expect(refused.status, `${method} ${path}`).toBe(503);
        expect(refused.body.error.code).toBe('service_unavailable');
        expect(refused.body.request_id).toBe('shutdown-check-1');
        expect(refused.headers.get('x-request-id')).toBe('shutdown-check-1');
        expect(refused.headers.get('retry-after')).toBe('5');
        expect(refused.headers.get('connection')).toBe('close');
      }
      // Without a usable X-Request-Id the refusal gets a fresh one, in the body and the header, like any response.
      const anonymous = await api.request('GET', '/health/live', { headers: { 'x-request-id': 'bad id!' } });
      expect(anonymous.status).toBe(503);
      expect(anonymous.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(anonymous.headers.get('x-request-id')).toBe(anonymous.body.request_id);
      const finished = await inFlight;
      expect(finished.status).toBe(201);
      expect(JSON.parse(finished.body).name).toBe('late');
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM inbound_sources WHERE name = 'late'`);
      expect(n).toBe(1);
    } finally {
      await api.close();
    }
  });
});
