// Input rules that hold on every route: reserved keys (__proto__, constructor, prototype) and whole numbers beyond
// 2^53 - 1 are refused with their path, names are trimmed and never blank, and a PATCH cannot null a credential's
// value. Operations and name fields are found in the OpenAPI document, so a new route is covered without editing this.
import { receiveOpenApiPaths } from '@conduit/api/ingestion/receive.routes';
import { RoutingService } from '@conduit/ingestion/engine';
import { RESERVED_KEYS } from '@conduit/platform';
import { TestApi, startTestApi } from '../support/test-api';
import type { TenantId } from '@conduit/platform';

interface Schema {
  $ref?: string;
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
}
interface Operation {
  method: string;
  path: string;
  schema: Schema;
}

/** Marks every name, title and label field (IsName) in the OpenAPI document. */
const NAME_MARK = 'Trimmed; not empty';
const SOME_ID = '0193a6b2-7c1e-7d3a-9f00-3c2e51a1b001';
const BIG = '12345678901234567890';

describe('input rules', () => {
  let api: TestApi;
  let admin: { token: string };
  let tenantId: TenantId;
  let operations: Operation[];
  let components: Record<string, Schema>;

  beforeAll(async () => {
    api = await startTestApi();
    tenantId = (await api.seedTenant('root')).id;
    admin = await api.seedUser('root', 'platform_admin');
    const doc = (await api.request('GET', '/docs-json')).body as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema: Schema }> } }>>;
      components: { schemas: Record<string, Schema> };
    };
    components = doc.components.schemas;
    // The receive routes take any body and store it as received (docs/ingestion.md): not walked.
    const receivePaths = new Set(Object.keys(receiveOpenApiPaths()));
    operations = Object.entries(doc.paths)
      .filter(([path]) => !receivePaths.has(path))
      .flatMap(([path, methods]) =>
        Object.entries(methods).flatMap(([method, op]) => {
          const schema = op.requestBody?.content?.['application/json']?.schema;
          return schema ? [{ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, SOME_ID), schema }] : [];
        }),
      );
  });
  afterAll(() => api.close());

  /** Rows in every table: what a refused request must leave as it was. */
  const rowCounts = async () =>
    Object.fromEntries(
      (
        await api.sql(`SELECT table_name AS t, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', table_name), false, true, '')))[1]::text AS n
          FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
      ).map((r) => [r.t, r.n]),
    );
  /** Row counts and the ids of audit rows, to tell what a refused request wrote. */
  const snapshot = async () => ({
    counts: await rowCounts(),
    auditIds: (await api.sql(`SELECT id FROM audit_events`)).map((r) => r.id as string),
  });
  /** Rows in every table but audit_events now and before, and the outcomes of the audit rows added since. */
  const writesSince = async (before: { counts: Record<string, string>; auditIds: string[] }) => {
    const { audit_events: _auditBefore, ...unchanged } = before.counts;
    const { audit_events: _auditNow, ...rows } = await rowCounts();
    const added = await api.sql(`SELECT DISTINCT outcome FROM audit_events WHERE NOT (id = ANY($1::uuid[]))`, [
      before.auditIds,
    ]);
    return { rows, unchanged, auditOutcomes: added.map((r) => r.outcome as string) };
  };
  const resolve = (schema: Schema): Schema => {
    if (schema.$ref) return resolve(components[schema.$ref.split('/').pop() as string]);
    if (schema.allOf)
      return schema.allOf
        .map(resolve)
        .reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties } }), {});
    return schema;
  };
  /** Paths to the name fields of a body schema, nested objects and arrays of objects included. */
  const nameFields = (
    schema: Schema,
    at: (string | number)[] = [],
    seen = new Set<Schema>(),
  ): (string | number)[][] => {
    const resolved = resolve(schema);
    if (seen.has(resolved)) return [];
    seen.add(resolved);
    return Object.entries(resolved.properties ?? {}).flatMap(([key, prop]) => {
      if (prop.description?.includes(NAME_MARK)) return [[...at, key]];
      if (prop.type === 'array' && prop.items) return nameFields(prop.items, [...at, key, 0], new Set(seen));
      if (prop.$ref || prop.allOf) return nameFields(prop, [...at, key], new Set(seen));
      return [];
    });
  };
  const bodyWith = (path: (string | number)[], value: unknown): unknown =>
    path.reduceRight<unknown>((inner, step) => (typeof step === 'number' ? [inner] : { [step]: inner }), value);

  describe('reserved keys', () => {
    it('finds the operations with JSON bodies', () => {
      expect(operations.length).toBeGreaterThanOrEqual(30);
      expect(operations).toContainEqual(
        expect.objectContaining({ method: 'PATCH', path: `/api/v1/credentials/${SOME_ID}` }),
      );
    });

    it.each(['__proto__', 'constructor', 'prototype', 'toString'].map((key) => [key]))(
      '%s, at the top or nested, is a 400 naming its path on every operation, and writes nothing',
      async (key) => {
        const before = await rowCounts();
        const answers: string[] = [];
        for (const op of operations) {
          for (const [rawBody, field] of [
            [`{"${key}": {"a": 1}}`, key],
            [`{"x": [{"${key}": 1}]}`, `x[0].${key}`],
          ]) {
            const res = await api.request(op.method, op.path, { token: admin.token, rawBody });
            const detail = res.body?.error?.details?.[0] as { field?: string } | undefined;
            answers.push(
              `${op.method} ${op.path} ${rawBody} -> ${res.status} ${res.body?.error?.code} ${detail?.field}`,
            );
            expect(answers.at(-1)).toBe(`${op.method} ${op.path} ${rawBody} -> 400 validation_failed ${field}`);
          }
        }
        expect(await rowCounts()).toEqual(before);
      },
    );

    it('refuses every Object.prototype name inside a payload, which the validation pipe would drop silently', async () => {
      const before = await rowCounts();
      for (const key of RESERVED_KEYS) {
        const res = await api.request('POST', '/api/v1/events', {
          token: admin.token,
          rawBody: `{"event_name":"order.created","payload":{"order":{"${key}":"x","id":1}}}`,
        });
        expect(`${key} -> ${res.status} ${res.body.error?.details?.[0]?.field}`).toBe(
          `${key} -> 400 payload.order.${key}`,
        );
      }
      expect(await rowCounts()).toEqual(before);
    });

    it('refuses them inside free-form payloads too, rather than dropping them silently', async () => {
      const res = await api.request('POST', '/api/v1/events', {
        token: admin.token,
        rawBody: '{"event_name":"order.created","payload":{"order":{"prototype":"x","id":1}}}',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].field).toBe('payload.order.prototype');
      expect(res.body.error.message).toContain('not accepted as keys');
      const query = await api.request('GET', '/api/v1/events?constructor=1', { token: admin.token });
      expect(query.status).toBe(400);
      expect(query.body.error.details[0].field).toBe('constructor');
    });
  });

  describe('whole numbers beyond 2^53 - 1', () => {
    it.each([
      [
        'an event payload',
        'POST',
        '/api/v1/events',
        `{"event_name":"order.created","payload":{"order":{"amount":${BIG}}}}`,
        'payload.order.amount',
      ],
      [
        'an event payload (seed API)',
        'POST',
        '/api/webhooks/event',
        `{"event_name":"order.created","payload":[1,-${BIG}]}`,
        'payload[1]',
      ],
      ['an exponent', 'POST', '/api/v1/events', '{"event_name":"order.created","payload":{"n":1e21}}', 'payload.n'],
      [
        'chain trigger data',
        'POST',
        `/api/v1/chains/${SOME_ID}/execute`,
        `{"trigger_data":{"id":9007199254740993}}`,
        'trigger_data.id',
      ],
      ['a test event', 'POST', `/api/v1/subscriptions/${SOME_ID}/test`, `{"payload":{"id":${BIG}}}`, 'payload.id'],
    ])('in %s is a 400 that says why, and writes nothing', async (_what, method, path, rawBody, field) => {
      const before = await rowCounts();
      const res = await api.request(method, path, { token: admin.token, rawBody });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ field }] });
      expect(res.body.error.message).toBe(
        `${field} is a whole number beyond 2^53 - 1 (9007199254740991), which a JSON number cannot hold exactly, so what is stored and delivered would not be what was sent: send it as a string`,
      );
      expect(await rowCounts()).toEqual(before);
    });

    it('keeps the largest safe integers, fractions and the same digits sent as a string exactly', async () => {
      const rawBody = `{"event_name":"order.created","payload":{"max":9007199254740991,"min":-9007199254740991,"f":0.1,"s":"${BIG}"}}`;
      const res = await api.request('POST', '/api/v1/events', { token: admin.token, rawBody });
      expect(res.status).toBe(202);
      const [row] = await api.sql(
        `SELECT payload->>'max' AS max, payload->>'min' AS min, payload->>'f' AS f, payload->>'s' AS s FROM webhook_events WHERE id = $1`,
        [res.body.id],
      );
      expect(row).toEqual({ max: '9007199254740991', min: '-9007199254740991', f: '0.1', s: BIG });
    });

    it('routes an inbound webhook holding one as the exact bytes received, not a rounded number', async () => {
      const source = await api.request('POST', '/api/v1/sources', {
        token: admin.token,
        body: { name: 'ids', provider: 'none' },
      });
      expect(source.status).toBe(201);
      const rawBody = `{"type":"tweet.created","id":${BIG},"id_str":"${BIG}"}`;
      const res = await api.request('POST', new URL(source.body.ingest_url as string).pathname, {
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(await api.app.get(RoutingService).route(tenantId, res.body.event_id, 0)).toBe('routed');
      const [routed] = await api.sql(
        `SELECT ev.payload FROM inbound_events ie JOIN webhook_events ev ON ev.id = ie.routed_event_id WHERE ie.id = $1`,
        [res.body.event_id],
      );
      expect(routed.payload).toEqual({
        content_type: 'application/json',
        body_base64: Buffer.from(rawBody).toString('base64'),
      });
    });
  });

  describe('names', () => {
    it('finds the name fields of every operation', () => {
      const found = operations.flatMap((op) =>
        nameFields(op.schema).map((path) => `${op.method} ${op.path} ${path.join('.')}`),
      );
      for (const expected of [
        'POST /api/v1/tenants name',
        'POST /api/v1/chains steps.0.name',
        'POST /api/v1/chains compensation_steps.0.compensates',
        'POST /api/v1/api-keys name',
        'PATCH /api/v1/subscriptions/{id} app_name'.replace('{id}', SOME_ID),
      ]) {
        expect(found).toContain(expected);
      }
    });

    it('refuses a blank name on every operation, at any depth, and writes nothing', async () => {
      const before = await snapshot();
      let checked = 0;
      for (const op of operations) {
        for (const path of nameFields(op.schema)) {
          const res = await api.request(op.method, op.path, { token: admin.token, body: bodyWith(path, ' \t\u00a0') });
          // The API's notation: a key after a dot, an array item's index in brackets (steps[0].name).
          const field = path
            .map((k, i) => (/^\d+$/.test(String(k)) ? `[${k}]` : i === 0 ? String(k) : `.${k}`))
            .join('');
          expect({
            op: `${op.method} ${op.path}`,
            status: res.status,
            detail: (res.body.error?.details as { field: string }[] | undefined)?.find((d) => d.field === field),
          }).toEqual({
            op: `${op.method} ${op.path}`,
            status: 400,
            detail: { field, message: `${path.at(-1)} must not be empty or only whitespace` },
          });
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(15);
      // Refusals by validation may be audited as failures (request-transaction.ts); nothing else is
      // written.
      const { rows, unchanged, auditOutcomes } = await writesSince(before);
      expect(rows).toEqual(unchanged);
      expect(auditOutcomes.filter((outcome) => outcome !== 'failure')).toEqual([]);
    });

    it('stores names trimmed', async () => {
      const tenant = await api.request('POST', '/api/v1/tenants', {
        token: admin.token,
        body: { code: 'trimmed', name: '  Trimmed Inc.\n' },
      });
      expect(tenant.status).toBe(201);
      expect(tenant.body.name).toBe('Trimmed Inc.');
      const subscription = await api.request('POST', '/api/v1/subscriptions', {
        token: admin.token,
        body: { app_name: ' ledger ', target_url: 'https://ledger.example.com/hook', event_types: ['order.created'] },
      });
      expect(subscription.body.app_name).toBe('ledger');
      const chain = await api.request('POST', '/api/v1/chains', {
        token: admin.token,
        body: {
          name: ' Orders ',
          trigger_event: 'order.created',
          steps: [{ webhook_id: subscription.body.id, name: ' Charge ' }],
          compensation_steps: [{ webhook_id: subscription.body.id, name: 'Refund', compensates: 'Charge  ' }],
        },
      });
      expect(chain.status).toBe(201);
      expect({
        name: chain.body.name,
        step: chain.body.steps[0].name,
        compensates: chain.body.compensation_steps[0].compensates,
      }).toEqual({ name: 'Orders', step: 'Charge', compensates: 'Charge' });
      const event = await api.request('POST', '/api/v1/events', {
        token: admin.token,
        body: { event_name: 'order.created', source: ' shop ', payload: {} },
      });
      const [row] = await api.sql(`SELECT source FROM webhook_events WHERE id = $1`, [event.body.id]);
      expect(row.source).toBe('shop');
    });

    it('holds the operator path (CLI, first start) to the same rule', async () => {
      await expect(api.operator.createTenant({ code: 'blank', name: ' \t ' })).rejects.toMatchObject({
        code: 'validation_failed',
        details: [{ field: 'name' }],
      });
      expect((await api.operator.createTenant({ code: 'ops', name: '  Ops  ' })).name).toBe('Ops');
    });

    it('refuses tenant codes with surrounding whitespace rather than trimming them', async () => {
      const res = await api.request('POST', '/api/v1/tenants', {
        token: admin.token,
        body: { code: ' spaced ', name: 'Spaced' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].field).toBe('code');
    });
  });

  describe('PATCH null on a credential', () => {
    it('refuses value null with 400 naming the field and changes nothing; description null clears it', async () => {
      const created = await api.request('POST', '/api/v1/credentials', {
        token: admin.token,
        body: { name: 'psp_key', value: 'sk_live_secret', description: 'PSP', allowed_hosts: ['api.psp.example'] },
      });
      expect(created.status).toBe(201);
      const stored = async () =>
        (
          await api.sql(`SELECT value_sealed, description, updated_at FROM credentials WHERE id = $1`, [
            created.body.id,
          ])
        )[0];
      const before = await stored();
      const counts = await snapshot();
      const res = await api.request('PATCH', `/api/v1/credentials/${created.body.id}`, {
        token: admin.token,
        body: { value: null },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['value', 'value']);
      expect(await stored()).toEqual(before);
      const { rows, unchanged, auditOutcomes } = await writesSince(counts);
      expect(rows).toEqual(unchanged);
      expect(auditOutcomes.filter((outcome) => outcome !== 'failure')).toEqual([]);
      const cleared = await api.request('PATCH', `/api/v1/credentials/${created.body.id}`, {
        token: admin.token,
        body: { description: null },
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body.description).toBeNull();
    });
  });

  describe('null for a source secret', () => {
    it('is a 400 naming the field at creation and rotation (it reached the secret check: a 500), and writes nothing', async () => {
      const source = await api.request('POST', '/api/v1/sources', {
        token: admin.token,
        body: { name: 'rotating', provider: 'stripe' },
      });
      expect(source.status).toBe(201);
      const sealed = async () =>
        (await api.sql(`SELECT secret_sealed FROM inbound_sources WHERE id = $1`, [source.body.id]))[0];
      const before = await sealed();
      const counts = await snapshot();
      for (const [path, body] of [
        ['/api/v1/sources', { name: 'nulled', provider: 'stripe', secret: null }],
        [`/api/v1/sources/${source.body.id}/rotate-secret`, { secret: null }],
      ] as const) {
        const res = await api.request('POST', path, { token: admin.token, body });
        expect({
          path,
          status: res.status,
          code: res.body.error?.code,
          field: res.body.error?.details?.[0]?.field,
        }).toEqual({ path, status: 400, code: 'validation_failed', field: 'secret' });
      }
      expect(await sealed()).toEqual(before);
      const { rows, unchanged, auditOutcomes } = await writesSince(counts);
      expect(rows).toEqual(unchanged);
      expect(auditOutcomes.filter((outcome) => outcome !== 'failure')).toEqual([]);
    });
  });
});
