// Webhooks in, input hardening (from an audit): source settings that used to be 500s or silently ineffective, and
// receive-path edge cases (long delivery ids, the default path's negative cache, BOM, charsets, encodings).
import { createHmac, randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { RoutingService } from '@conduit/ingestion/engine';
import { EVENT_NAME } from '@conduit/webhooks';
import { TestApi, startTestApi } from '../support/test-api';
import type { TenantId } from '@conduit/platform';

const stripe = new Stripe('sk_test_conduit');

describe('webhooks in: hardening', () => {
  let api: TestApi;
  let admin: { token: string };
  let tenantId: TenantId;

  beforeAll(async () => {
    api = await startTestApi({ INGEST_DEFAULT_TENANT: 'acme' });
    tenantId = (await api.seedTenant('acme')).id;
    admin = await api.seedUser('acme', 'tenant_admin');
  });
  afterAll(() => api.close());

  const createSource = async (body: Record<string, unknown>) => {
    const res = await api.request('POST', '/api/v1/sources', { token: admin.token, body });
    if (res.status !== 201) throw new Error(`source creation failed: ${res.status} ${res.text}`);
    return res.body;
  };
  const patch = (id: string, body: unknown) =>
    api.request('PATCH', `/api/v1/sources/${id}`, { token: admin.token, body });
  const sourceRow = async (id: string) => (await api.sql(`SELECT * FROM inbound_sources WHERE id = $1`, [id]))[0];
  const sourcesNamed = async (name: string) =>
    (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM inbound_sources WHERE name = $1`, [name]))[0].n;
  const storedCount = async (sourceId: string) =>
    (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM inbound_events WHERE source_id = $1`, [sourceId]))[0]
      .n;
  const receive = (url: string, rawBody: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${api.baseUrl}${new URL(url).pathname}`, {
      method: 'POST',
      body: rawBody,
      headers: { 'content-type': 'application/json', ...headers },
    }).then(async (res) => {
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    });

  describe('allowed_cidrs', () => {
    const invalid: [string, RegExp][] = [
      ['999.1.1.1/24', /not an IPv4 or IPv6 address/],
      ['1.2.3.4/99', /prefix .* 0 to 32/],
      ['1.2.3.4/33', /prefix .* 0 to 32/],
      ['10.0.0.1/8', /bits set beyond the \/8 prefix.*10\.0\.0\.0\/8/],
      ['2001:db8::1/32', /bits set beyond the \/32 prefix.*2001:db8::\/32/],
      ['abc', /not an IPv4 or IPv6 address/],
      [':::::', /not an IPv4 or IPv6 address/],
      ['::1/200', /prefix .* 0 to 128/],
      ['1.2.3.4.5', /not an IPv4 or IPv6 address/],
      ['10', /not an IPv4 or IPv6 address/],
      ['1.2.3', /not an IPv4 or IPv6 address/],
      ['fe80::1%eth0', /not an IPv4 or IPv6 address/],
      ['1.2.3.4/', /prefix/],
      ['1.2.3.0/024', /prefix/],
    ];

    it.each(invalid)(
      'refuses %s at creation with 400 validation_failed naming the entry, writing nothing',
      async (cidr, message) => {
        const name = `cidr-${randomBytes(4).toString('hex')}`;
        const res = await api.request('POST', '/api/v1/sources', {
          token: admin.token,
          body: { name, provider: 'none', allowed_cidrs: ['203.0.113.0/24', cidr] },
        });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.message).toContain(`allowed_cidrs[1] "${cidr}"`);
        expect(res.body.error.message).toMatch(message);
        expect(res.body.error.details[0]).toMatchObject({ field: 'allowed_cidrs' });
        expect(await sourcesNamed(name)).toBe(0);
      },
    );

    it('refuses invalid ranges on PATCH too, leaving the source unchanged', async () => {
      const src = await createSource({ name: 'cidr-patch', provider: 'none', allowed_cidrs: ['198.51.100.0/24'] });
      for (const [cidr] of invalid) {
        const res = await patch(src.id, { allowed_cidrs: [cidr] });
        expect({ cidr, status: res.status, code: res.body.error?.code }).toEqual({
          cidr,
          status: 400,
          code: 'validation_failed',
        });
      }
      expect((await sourceRow(src.id)).allowed_cidrs).toEqual(['198.51.100.0/24']);
    });

    it('accepts IPv4 and IPv6 addresses and networks, a bare address meaning that one address', async () => {
      const src = await createSource({
        name: 'cidr-ok',
        provider: 'none',
        allowed_cidrs: ['203.0.113.0/24', '192.0.2.7', '2001:DB8::/32', '::1', '0.0.0.0/0', '::ffff:198.51.100.0/120'],
      });
      expect(src.allowed_cidrs).toEqual([
        '203.0.113.0/24',
        '192.0.2.7/32',
        '2001:db8::/32',
        '::1/128',
        '0.0.0.0/0',
        '::ffff:198.51.100.0/120',
      ]);
      const loopback = await createSource({ name: 'cidr-loopback', provider: 'none', allowed_cidrs: ['127.0.0.1'] });
      expect((await receive(loopback.ingest_url, '{}')).status).toBe(200);
    });
  });

  describe('PATCH /api/v1/sources/{id} with null', () => {
    it.each(['name', 'allowed_cidrs', 'max_body_bytes', 'is_active'])(
      'refuses %s: null with 400 validation_failed (was a 500)',
      async (field) => {
        const src = await createSource({ name: `null-${field}`, provider: 'none', allowed_cidrs: ['127.0.0.0/8'] });
        const res = await patch(src.id, { [field]: null });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining([field]));
        expect(res.body.error.details.every((d: { field: string }) => d.field === field)).toBe(true);
        const row = await sourceRow(src.id);
        expect(row).toMatchObject({
          name: `null-${field}`,
          allowed_cidrs: ['127.0.0.0/8'],
          max_body_bytes: src.max_body_bytes,
          is_active: true,
          updated_at: new Date(src.updated_at),
        });
      },
    );

    it('removes the filter and the event type path with null, and allow-anyone is an explicit []', async () => {
      const src = await createSource({
        name: 'null-clears',
        provider: 'none',
        filter: { livemode: { $eq: true } },
        event_type_path: '$.kind',
        allowed_cidrs: ['10.0.0.0/8'],
      });
      const res = await patch(src.id, { filter: null, event_type_path: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ filter: null, event_type_path: null, allowed_cidrs: ['10.0.0.0/8'] });
      const open = await patch(src.id, { allowed_cidrs: [] });
      expect(open.body.allowed_cidrs).toEqual([]);
      const [row] = await api.sql(
        `SELECT filter IS NULL AS no_filter, event_type_path, allowed_cidrs FROM inbound_sources WHERE id = $1`,
        [src.id],
      );
      expect(row).toEqual({ no_filter: true, event_type_path: null, allowed_cidrs: [] });
    });

    it('refuses an empty PATCH, like subscriptions, and leaves the row as it was', async () => {
      const src = await createSource({ name: 'empty-patch', provider: 'none' });
      const res = await patch(src.id, {});
      expect([res.status, res.body.error?.code]).toEqual([400, 'validation_failed']);
      expect(await sourceRow(src.id)).toMatchObject({ updated_at: new Date(src.updated_at) });
    });

    it('still refuses a filter outside the language', async () => {
      const src = await createSource({ name: 'bad-filter', provider: 'none' });
      expect((await patch(src.id, { filter: { a: { $where: 1 } } })).body.error.code).toBe('invalid_filter');
    });
  });

  describe('max_body_bytes', () => {
    it("refuses a limit above the server's BODY_LIMIT_BYTES (it could never apply) at creation and update, naming the limit", async () => {
      const limit = api.config.BODY_LIMIT_BYTES;
      const created = await api.request('POST', '/api/v1/sources', {
        token: admin.token,
        body: { name: 'too-big', provider: 'none', max_body_bytes: limit + 1 },
      });
      expect(created.status).toBe(400);
      expect(created.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'max_body_bytes' }] });
      expect(created.body.error.message).toContain(String(limit));
      expect(await sourcesNamed('too-big')).toBe(0);
      const src = await createSource({ name: 'at-limit', provider: 'none', max_body_bytes: limit });
      expect(src.max_body_bytes).toBe(limit);
      const updated = await patch(src.id, { max_body_bytes: limit + 1 });
      expect(updated.status).toBe(400);
      expect(updated.body.error.message).toContain(String(limit));
      expect((await sourceRow(src.id)).max_body_bytes).toBe(limit);
    });
  });

  describe('secrets that could never verify', () => {
    const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

    it.each([
      ['standard_webhooks', 'whsec_!!!!!!!!', /base64/],
      ['standard_webhooks', `whsec_${b64(16)}`, /at least 24 bytes/],
      ['standard_webhooks', `whsec_${randomBytes(32).toString('base64url')}`, /base64/],
      ['stripe', 'sk_live_0123456789abcdef', /whsec_/],
      ['none', 'a-secret-for-nothing', /no secret/],
      ['api_key', ' padded-api-key-value', /printable ASCII/],
      ['api_key', 'clé-non-ascii-value', /printable ASCII/],
    ])('refuses a %s source with secret %j: 400 invalid_source, nothing written', async (provider, secret, message) => {
      const name = `secret-${randomBytes(4).toString('hex')}`;
      const res = await api.request('POST', '/api/v1/sources', {
        token: admin.token,
        body: { name, provider, secret },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_source', details: [{ field: 'secret' }] });
      expect(res.body.error.message).toMatch(message);
      expect(await sourcesNamed(name)).toBe(0);
    });

    it('accepts a Standard Webhooks secret of 24 bytes or more, with or without whsec_, and it verifies', async () => {
      const secret = `whsec_${b64(24)}`;
      const src = await createSource({ name: 'sw-own-secret', provider: 'standard_webhooks', secret });
      await createSource({ name: 'sw-no-prefix', provider: 'standard_webhooks', secret: b64(32) });
      const payload = JSON.stringify({ type: 'invoice.paid' });
      const now = new Date();
      const res = await receive(src.ingest_url, payload, {
        'webhook-id': 'msg_own',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_own', now, payload),
      });
      expect(res.status).toBe(200);
    });

    it('refuses such a secret on rotation too, keeping the current one', async () => {
      const src = await createSource({ name: 'sw-rotate', provider: 'standard_webhooks' });
      const before = await sourceRow(src.id);
      const res = await api.request('POST', `/api/v1/sources/${src.id}/rotate-secret`, {
        token: admin.token,
        body: { secret: 'whsec_!!!!!!!!' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_source');
      expect((await sourceRow(src.id)).secret_sealed).toBe(before.secret_sealed);
    });

    it('answers secret null (not "") for a none source', async () => {
      expect((await createSource({ name: 'no-secret', provider: 'none' })).secret).toBeNull();
    });

    it('refuses grace_seconds: null on rotation (it used to mean no grace at all)', async () => {
      const src = await createSource({ name: 'grace-null', provider: 'github' });
      const res = await api.request('POST', `/api/v1/sources/${src.id}/rotate-secret`, {
        token: admin.token,
        body: { grace_seconds: null },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    });
  });

  describe('other input', () => {
    it('refuses an event_type_path longer than 200 characters or outside the $.a.b[0] syntax', async () => {
      for (const path of [`$.${'a'.repeat(199)}`, '$.a b', '$..a', '$.a[x]', 'a.b', '$']) {
        const res = await api.request('POST', '/api/v1/sources', {
          token: admin.token,
          body: { name: 'bad-path', provider: 'none', event_type_path: path },
        });
        expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
          path,
          status: 400,
          code: 'validation_failed',
        });
      }
      expect(await sourcesNamed('bad-path')).toBe(0);
      const longest = `$.${'a'.repeat(198)}`;
      expect(
        (await createSource({ name: 'long-path', provider: 'none', event_type_path: longest })).event_type_path,
      ).toBe(longest);
      expect(
        (await createSource({ name: 'indexed-path', provider: 'none', event_type_path: '$.data[0].kind' }))
          .event_type_path,
      ).toBe('$.data[0].kind');
    });

    it('refuses POST /api/webhooks/generate with an empty tenant_id, creating nothing', async () => {
      const res = await api.request('POST', '/api/webhooks/generate', {
        token: admin.token,
        body: { tenant_id: '', name: 'empty-tenant' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'validation_failed',
        details: [expect.objectContaining({ field: 'tenant_id' })],
      });
      expect(await sourcesNamed('empty-tenant')).toBe(0);
    });

    it('refuses a replay body with unknown fields', async () => {
      const src = await createSource({ name: 'replay-body', provider: 'none' });
      const { body } = await receive(src.ingest_url, '{}');
      const res = await api.request('POST', `/api/v1/inbound-events/${body.event_id}/replay`, {
        token: admin.token,
        body: { foo: 1 },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'foo' }] });
      expect(
        (await api.request('POST', `/api/v1/inbound-events/${body.event_id}/replay`, { token: admin.token, body: {} }))
          .status,
      ).toBe(202);
      expect(
        (await api.request('POST', `/api/v1/inbound-events/${body.event_id}/replay`, { token: admin.token })).status,
      ).toBe(202);
    });

    it('documents DELETE /api/v1/sources/{id} 204 and the 414, 415 and 503 answers of the receive operations', async () => {
      const doc = (await api.request('GET', '/docs-json')).body;
      expect(doc.paths['/api/v1/sources/{id}'].delete.responses['204']).toBeDefined();
      for (const path of [
        '/api/webhooks/receive/{id}',
        '/api/v1/webhook/{provider}/{sourceKey}',
        '/api/v1/webhook/{provider}',
      ]) {
        const responses = doc.paths[path].post.responses;
        for (const status of ['400', '401', '403', '404', '413', '414', '415', '503']) {
          expect({ path, status, schema: responses[status]?.content?.['application/json']?.schema }).toEqual({
            path,
            status,
            schema: { $ref: '#/components/schemas/ErrorResponseDto' },
          });
        }
      }
    });
  });

  describe('delivery ids longer than the stored key', () => {
    const github = async () => {
      const src = await createSource({ name: `gh-${randomBytes(4).toString('hex')}`, provider: 'github' });
      const send = (deliveryId: string, body = '{"action":"opened"}') =>
        receive(src.ingest_url, body, {
          'x-hub-signature-256': `sha256=${createHmac('sha256', src.secret).update(body).digest('hex')}`,
          'x-github-delivery': deliveryId,
          'x-github-event': 'issues',
        });
      return { src, send };
    };

    it('keeps distinct deliveries whose ids share their first 200 characters, and still deduplicates each', async () => {
      const { src, send } = await github();
      const first = await send('d'.repeat(5000));
      const second = await send(`${'d'.repeat(4000)}DIFFERENT`);
      expect([first.body.status, second.body.status]).toEqual(['accepted', 'accepted']);
      expect(second.body.event_id).not.toBe(first.body.event_id);
      const repeat = await send('d'.repeat(5000));
      expect(repeat.body).toMatchObject({ status: 'duplicate', event_id: first.body.event_id });
      expect(await storedCount(src.id)).toBe(2);
      const [row] = await api.sql(`SELECT delivery_id FROM inbound_events WHERE id = $1`, [first.body.event_id]);
      expect(row.delivery_id).toMatch(new RegExp(`^d{200}#sha256=[0-9a-f]{64}$`));
    });

    it('stores ids of up to 200 characters as they are, and an id of 201 under its hash', async () => {
      const { send } = await github();
      const exact = await send('e'.repeat(200));
      const longer = await send(`${'e'.repeat(200)}f`);
      expect(longer.body.status).toBe('accepted');
      const rows = await api.sql(`SELECT id, delivery_id FROM inbound_events WHERE id = ANY($1)`, [
        [exact.body.event_id, longer.body.event_id],
      ]);
      const byId = Object.fromEntries(rows.map((r) => [r.id, r.delivery_id]));
      expect(byId[exact.body.event_id]).toBe('e'.repeat(200));
      expect(byId[longer.body.event_id]).toMatch(/^e{200}#sha256=/);
    });

    it('applies to Stripe body ids and Idempotency-Key too', async () => {
      const src = await createSource({ name: 'stripe-long-ids', provider: 'stripe' });
      const sendStripe = (id: string) => {
        const payload = JSON.stringify({ id, type: 'charge.succeeded' });
        return receive(src.ingest_url, payload, {
          'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: src.secret }),
        });
      };
      const a = await sendStripe(`evt_${'x'.repeat(300)}`);
      const b = await sendStripe(`evt_${'x'.repeat(299)}y`);
      expect([a.body.status, b.body.status]).toEqual(['accepted', 'accepted']);
      const open = await createSource({ name: 'idem-long-ids', provider: 'none' });
      const c = await receive(open.ingest_url, '{}', { 'idempotency-key': `${'k'.repeat(250)}1` });
      const d = await receive(open.ingest_url, '{}', { 'idempotency-key': `${'k'.repeat(250)}2` });
      expect([c.body.status, d.body.status]).toEqual(['accepted', 'accepted']);
      expect((await receive(open.ingest_url, '{}', { 'idempotency-key': `${'k'.repeat(250)}2` })).body).toMatchObject({
        status: 'duplicate',
        event_id: d.body.event_id,
      });
    });
  });

  describe('the default-tenant path and its cache', () => {
    const viaDefault = (name: string) => receive(`http://x/api/v1/webhook/${name}`, '{}');

    it('serves a source created right after a 404 for its name (the negative answer is forgotten)', async () => {
      expect((await viaDefault('negcache')).status).toBe(404);
      await createSource({ name: 'negcache', provider: 'none' });
      expect((await viaDefault('negcache')).status).toBe(200);
    });

    it('serves a source renamed to a name that was just a 404', async () => {
      const src = await createSource({ name: 'before-rename', provider: 'none' });
      expect((await viaDefault('after-rename')).status).toBe(404);
      expect((await viaDefault('before-rename')).status).toBe(200);
      await patch(src.id, { name: 'after-rename' });
      expect((await viaDefault('after-rename')).status).toBe(200);
      expect((await viaDefault('before-rename')).status).toBe(404);
    });

    it('serves a reactivated source at once', async () => {
      const src = await createSource({ name: 'dormant', provider: 'none' });
      await patch(src.id, { is_active: false });
      expect((await viaDefault('dormant')).status).toBe(404);
      await patch(src.id, { is_active: true });
      expect((await viaDefault('dormant')).status).toBe(200);
    });
  });

  describe('content types and encodings', () => {
    it('accepts JSON after a UTF-8 byte order mark, stores the bytes as received and reads id, type and payload without it', async () => {
      const src = await createSource({ name: 'bom', provider: 'stripe' });
      const payload = `\ufeff${JSON.stringify({ id: 'evt_bom', type: 'invoice.paid', data: { n: 1 } })}`;
      const res = await receive(src.ingest_url, payload, {
        'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: src.secret }),
      });
      expect(res.status).toBe(200);
      const [row] = await api.sql(`SELECT raw_body, delivery_id, event_type FROM inbound_events WHERE id = $1`, [
        res.body.event_id,
      ]);
      expect(row.raw_body.equals(Buffer.from(payload))).toBe(true);
      expect(row.raw_body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(row).toMatchObject({ delivery_id: 'evt_bom', event_type: 'invoice.paid' });
      expect(await api.app.get(RoutingService).route(tenantId, res.body.event_id, 0)).toBe('routed');
      const [routed] = await api.sql(
        `SELECT ev.payload FROM inbound_events ie JOIN webhook_events ev ON ev.id = ie.routed_event_id WHERE ie.id = $1`,
        [res.body.event_id],
      );
      expect(routed.payload).toEqual({ id: 'evt_bom', type: 'invoice.paid', data: { n: 1 } });
    });

    it('refuses JSON in a charset other than UTF-8 with 415 unsupported_charset, counted and not stored', async () => {
      const src = await createSource({ name: 'utf16', provider: 'none' });
      const utf16 = Buffer.from('{"a":1}', 'utf16le');
      for (const contentType of [
        'application/json; charset=utf-16le',
        'application/json; charset="UTF-16BE"',
        'application/vnd.api+json;charset=latin1',
      ]) {
        const res = await receive(src.ingest_url, utf16, { 'content-type': contentType });
        expect({ contentType, status: res.status, code: res.body.error?.code }).toEqual({
          contentType,
          status: 415,
          code: 'unsupported_charset',
        });
      }
      expect(await storedCount(src.id)).toBe(0);
      expect(await sourceRow(src.id)).toMatchObject({
        rejected_count: '3',
        last_rejected_reason: 'unsupported_charset',
      });
      for (const contentType of [
        'application/json; charset=utf-8',
        'application/json;charset="UTF-8"',
        'application/json; charset=us-ascii',
        'text/plain; charset=utf-16le',
      ]) {
        expect({
          contentType,
          status: (await receive(src.ingest_url, '{"a":1}', { 'content-type': contentType })).status,
        }).toEqual({ contentType, status: 200 });
      }
    });

    it('refuses a compressed body (any Content-Encoding but identity) with 415 unsupported_content_encoding, before verification', async () => {
      const src = await createSource({ name: 'gzip', provider: 'hmac' });
      const body = '{"a":1}';
      for (const encoding of ['gzip', 'br', 'deflate, gzip']) {
        const res = await receive(src.ingest_url, body, {
          'content-encoding': encoding,
          ...signLokiHeaders(body, src.secret),
        });
        expect({ encoding, status: res.status, code: res.body.error?.code }).toEqual({
          encoding,
          status: 415,
          code: 'unsupported_content_encoding',
        });
      }
      expect(await storedCount(src.id)).toBe(0);
      expect(await sourceRow(src.id)).toMatchObject({
        rejected_count: '3',
        last_rejected_reason: 'unsupported_content_encoding',
      });
      expect(
        (await receive(src.ingest_url, body, { 'content-encoding': 'identity', ...signLokiHeaders(body, src.secret) }))
          .status,
      ).toBe(200);
    });

    it('parses only JSON content types (json and +json subtypes): json-seq and jsonl are stored as bytes', async () => {
      const src = await createSource({ name: 'json-types', provider: 'none', event_type_path: '$.kind' });
      const lines = '{"kind":"a.b"}\n{"kind":"c.d"}\n';
      for (const contentType of [
        'application/json-seq',
        'application/jsonl',
        'application/x-ndjson',
        'application/jsonx',
      ]) {
        const res = await receive(src.ingest_url, contentType === 'application/json-seq' ? `\x1e${lines}` : lines, {
          'content-type': contentType,
        });
        expect({ contentType, status: res.status }).toEqual({ contentType, status: 200 });
      }
      const broken = await receive(src.ingest_url, '{"kind":', { 'content-type': 'application/vnd.api+json' });
      expect(broken.body.error.code).toBe('invalid_json');
      const single = await receive(src.ingest_url, '{"kind":"one.line"}', { 'content-type': 'application/jsonl' });
      expect(await api.app.get(RoutingService).route(tenantId, single.body.event_id, 0)).toBe('routed');
      const [routed] = await api.sql(
        `SELECT ev.payload, ev.event_name FROM inbound_events ie JOIN webhook_events ev ON ev.id = ie.routed_event_id WHERE ie.id = $1`,
        [single.body.event_id],
      );
      expect(routed).toEqual({
        event_name: 'webhook.received',
        payload: {
          content_type: 'application/jsonl',
          body_base64: Buffer.from('{"kind":"one.line"}').toString('base64'),
        },
      });
    });

    it('answers 415 unsupported_media_type for a Content-Type that does not parse', async () => {
      const src = await createSource({ name: 'bad-type', provider: 'none' });
      const res = await receive(src.ingest_url, '{}', { 'content-type': ';;;' });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
      expect(await storedCount(src.id)).toBe(0);
    });
  });

  describe('routing', () => {
    it('publishes an event name that follows the event-name rule when the path value is too long', async () => {
      const src = await createSource({ name: 'long-type', provider: 'none', event_type_path: '$.kind' });
      const res = await receive(src.ingest_url, JSON.stringify({ kind: `${'a'.repeat(199)}.b` }));
      expect(await api.app.get(RoutingService).route(tenantId, res.body.event_id, 0)).toBe('routed');
      const [routed] = await api.sql(
        `SELECT ev.event_name FROM inbound_events ie JOIN webhook_events ev ON ev.id = ie.routed_event_id WHERE ie.id = $1`,
        [res.body.event_id],
      );
      expect(routed.event_name).toBe('a'.repeat(199));
      expect(routed.event_name).toMatch(EVENT_NAME);
    });
  });
});

function signLokiHeaders(body: string, secret: string): Record<string, string> {
  return {
    'x-loki-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    'x-loki-timestamp': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}
