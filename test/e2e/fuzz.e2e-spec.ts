// Every operation of the served OpenAPI document gets thousands of generated bad requests (fast-check, a fixed seed and
// a random one); any 5xx, and any error body that breaks docs/api-conventions.md, fails the suite. FUZZ_SEED=<n>
// replays a reported random seed; FUZZ_REQUESTS changes how many requests each seed sends.
import { FuzzRun, runFuzz, summarize } from '../support/fuzz/fuzz-runner';
import { IdsByKind, OpenApiDocument, listOperations } from '../support/fuzz/openapi-operations';
import { FuzzContext, fuzzRequests } from '../support/fuzz/request-generator';
import { TestStack, startTestStack } from '../support/test-stack';

const FIXED_SEED = 20261206;
const REQUESTS_PER_SEED = Number(process.env.FUZZ_REQUESTS ?? 2500);
const RANDOM_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const BODY_LIMIT = 262144;

describe('fuzzing every operation with bad input', () => {
  let stack: TestStack;
  let ctx: FuzzContext;
  let doc: OpenApiDocument;
  let adminToken: string;

  /**
   * The resources of one tenant the fuzzer points path and body ids at: kept ones in `ids`, destroyable ones in
   * `victims`.
   */
  async function seedResources(token: string, tenant: string | undefined, ids: IdsByKind, victims: IdsByKind) {
    const add = (into: IdsByKind, kind: string, id: string) => (into[kind] ??= []).push(id);
    const post = async (path: string, body: unknown) => {
      const res = await stack.api.request('POST', path, { token, tenant, body });
      if (res.status >= 300) throw new Error(`seeding ${path}: ${res.status} ${res.text}`);
      return res.body;
    };
    for (const keep of [true, false]) {
      const into = keep ? ids : victims;
      const sub = await post('/api/v1/subscriptions', {
        app_name: 'fuzz',
        target_url: 'https://hooks.example.com/fuzz',
        event_types: ['order.*'],
      });
      add(into, 'subscriptions', sub.id);
      // Named after their provider: POST /api/v1/webhook/{provider} finds the default tenant's source by that name.
      const provider = keep ? 'none' : 'hmac';
      // An event type path, so stored bodies of any shape are walked for it.
      const source = await post('/api/v1/sources', { name: provider, provider, event_type_path: '$.event.kind[0]' });
      add(into, 'sources', source.id);
      const sourcePath = `${provider}/${String(source.ingest_url).split('/').pop()}`;
      add(ids, 'sourcePaths', sourcePath);
      const chain = await post('/api/v1/chains', {
        name: `fuzz-${keep}`,
        trigger_event: 'order.placed',
        steps: [{ webhook_id: sub.id, name: 'one' }],
      });
      add(into, 'chains', chain.id);
      add(
        into,
        'credentials',
        (
          await post('/api/v1/credentials', {
            name: `fuzz_${keep}`,
            value: 'secret-value',
            allowed_hosts: ['api.example.com'],
          })
        ).id,
      );
      if (!keep) continue;
      const signed = await post('/api/v1/sources', { name: 'signed', provider: 'hmac' });
      add(ids, 'sources', signed.id);
      add(ids, 'sourcePaths', `hmac/${String(signed.ingest_url).split('/').pop()}`);
      // Runs and deliveries in the states their actions need (no worker moves them): resume, retry, cancel.
      for (const status of ['pending', 'paused', 'failed']) {
        const run = await post(`/api/v1/chains/${chain.id}/execute`, { trigger_data: { a: 1 } });
        await stack.api.sql(`UPDATE execution_chain_runs SET status = $2 WHERE id = $1`, [run.id, status]);
        add(ids, 'runs', run.id);
      }
      for (const status of ['pending', 'failed']) {
        const event = await post('/api/v1/events', { event_name: 'order.created', payload: { a: 1 } });
        if (status === 'failed')
          await stack.api.sql(
            `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, lease_expires_at = NULL WHERE event_id = $1`,
            [event.id],
          );
        add(ids, 'events', event.id);
      }
      add(ids, 'receive', (await post('/api/webhooks/generate', { name: 'fuzz' })).id);
      const received = await stack.api.request('POST', `/api/v1/webhook/${sourcePath}`, { body: { type: 'x' } });
      if (received.status >= 300) throw new Error(`seeding an inbound event: ${received.status} ${received.text}`);
    }
    for (const [kind, path] of [
      ['deliveries', '/api/v1/deliveries'],
      ['inbound-events', '/api/v1/inbound-events'],
    ]) {
      const list = await stack.api.request('GET', path, { token, tenant });
      for (const row of list.body.data ?? []) add(ids, kind, row.id);
    }
  }

  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      config: { BODY_LIMIT_BYTES: String(BODY_LIMIT), INGEST_DEFAULT_TENANT: 'fuzz-msp' },
    });
    const { api } = stack;
    const msp = await api.seedTenant('fuzz-msp');
    const acme = await api.seedTenant('fuzz-acme', 'fuzz-msp');
    const spare = await api.seedTenant('fuzz-spare', 'fuzz-msp');
    const globex = await api.seedTenant('fuzz-globex');
    const admin = await api.seedUser('fuzz-msp', 'mssp_admin');
    adminToken = admin.token;
    const viewer = await api.seedUser('fuzz-acme', 'viewer');
    const foreign = await api.seedUser('fuzz-globex', 'tenant_admin');
    const disposable = await api.seedUser('fuzz-msp', 'analyst', 'logout.fuzz@example.test');
    const victimUser = (await api.seedUser('fuzz-msp', 'analyst')).id;
    const childUser = (await api.seedUser('fuzz-acme', 'analyst')).id;
    const createKey = async (name: string) => {
      const res = await api.request('POST', '/api/v1/api-keys', { token: admin.token, body: { name, scopes: ['*'] } });
      if (res.status !== 201) throw new Error(`api key: ${res.status} ${res.text}`);
      return res.body as { id: string; key: string };
    };
    const key = await createKey('fuzz');
    const spareKey = await createKey('fuzz-spare');

    const ids: IdsByKind = {
      tenants: [msp.id, acme.id, spare.id],
      users: [admin.id, disposable.id, victimUser],
      'api-keys': [key.id, spareKey.id],
      providers: ['none', 'hmac', 'stripe', 'github', 'standard_webhooks', 'jwt_hmac', 'api_key', 'basic', 'unknown'],
    };
    const victims: IdsByKind = { tenants: [spare.id], users: [victimUser], 'api-keys': [spareKey.id] };
    await seedResources(admin.token, undefined, ids, victims);
    // Ids the caller reaches only by acting in another tenant (X-Tenant-Id of its child) or not at all (a stranger's).
    const foreignIds: IdsByKind = { tenants: [globex.id], users: [foreign.id, viewer.id, childUser] };
    await seedResources(admin.token, acme.id, foreignIds, foreignIds);
    await seedResources(foreign.token, undefined, foreignIds, foreignIds);
    ids.any = Object.values(ids).flat();

    doc = (await api.request<OpenApiDocument>('GET', '/docs-json')).body;
    ctx = {
      doc,
      ids,
      victims,
      foreignIds,
      credentials: {
        jwt: { authorization: `Bearer ${admin.token}` },
        api_key: { 'x-api-key': key.key },
        viewer: { authorization: `Bearer ${viewer.token}` },
        foreign: { authorization: `Bearer ${foreign.token}` },
      },
      disposableJwt: disposable.token,
      ownTenantHeaders: [msp.id, 'fuzz-msp'],
      // The documented step example reads step_1 from step 1 itself, which a chain refuses.
      examples: Object.fromEntries(
        ['ChainStepDto', 'CompensationStepDto'].map((name) => [
          name,
          {
            webhook_id: ids.subscriptions[0],
            name: 'step',
            request_params: { amount: '{{trigger_data.order_amount}}' },
            max_retries: 2,
          },
        ]),
      ),
      hugeLength: BODY_LIMIT,
    };
  }, 120_000);
  afterAll(() => stack?.close());

  const report = (run: FuzzRun) =>
    `${run.failures.length} of ${run.sent} requests broke the conventions (seed ${run.seed}; replay with FUZZ_SEED=${run.seed}; ` +
    `answers ${[...run.statuses]
      .sort()
      .map(([status, n]) => `${status}x${n}`)
      .join(' ')}):\n${summarize(run.failures)}`;

  const fuzz = (seed: number) =>
    runFuzz(stack.api.baseUrl, fuzzRequests(ctx, listOperations(doc)), {
      seed,
      count: REQUESTS_PER_SEED,
      concurrency: 12,
      timeoutMs: 30_000,
    });

  describe('what it found, pinned', () => {
    const expectValidationFailed = (res: { status: number; body: any; headers: Headers }) =>
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: {
          error: { code: 'validation_failed', message: expect.any(String), details: expect.any(Array) },
          request_id: res.headers.get('x-request-id'),
        },
      });

    it("the seed's POST /api/webhooks/generate with a child tenant's tenant_id creates the source there (was an RLS refusal: 500)", async () => {
      const res = await stack.api.request('POST', '/api/webhooks/generate', {
        token: adminToken,
        body: { tenant_id: 'fuzz-acme', name: 'pinned' },
      });
      expect(res.status).toBe(201);
      const [row] = await stack.api.sql(
        `SELECT t.code FROM inbound_sources s JOIN tenants t ON t.id = s.tenant_id WHERE s.id = $1`,
        [res.body.id],
      );
      expect(row.code).toBe('fuzz-acme');
    });

    it.each([
      ['POST', '/api/v1/sources', { name: 'pinned', provider: 'stripe', secret: null }],
      ['POST', 'rotate', { secret: null }],
    ])('%s %s with "secret": null is 400 validation_failed (was a 500)', async (method, path, body) => {
      const signed = ctx.ids.sources[ctx.ids.sources.length - 1];
      const url = path === 'rotate' ? `/api/v1/sources/${signed}/rotate-secret` : path;
      const before = await stack.api.sql(`SELECT count(*)::int AS n, max(updated_at) AS at FROM inbound_sources`);
      expectValidationFailed(await stack.api.request(method, url, { token: adminToken, body }));
      expect(await stack.api.sql(`SELECT count(*)::int AS n, max(updated_at) AS at FROM inbound_sources`)).toEqual(
        before,
      );
    });

    it.each([
      ['steps', { steps: [[]] }],
      ['steps', { steps: [[{ name: 'nested' }]] }],
      ['compensation_steps', { compensation_steps: [[]] }],
    ])(
      'a chain whose %s holds an array instead of a step object is 400 and writes nothing (was a 500)',
      async (_field, patch) => {
        const before = await stack.api.sql(`SELECT count(*)::int AS n FROM execution_chains`);
        const step = { webhook_id: ctx.ids.subscriptions[0], name: 'one' };
        const res = await stack.api.request('POST', '/api/v1/chains', {
          token: adminToken,
          body: { name: 'pinned', trigger_event: 'a', steps: [step], ...patch },
        });
        expectValidationFailed(res);
        expect(await stack.api.sql(`SELECT count(*)::int AS n FROM execution_chains`)).toEqual(before);
      },
    );
  });

  it('covers every operation of the document, the receive routes included', () => {
    const operations = listOperations(doc).map((op) => `${op.method} ${op.path}`);
    expect(operations.length).toBeGreaterThan(80);
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /api/webhooks/receive/{id}',
        'POST /api/v1/webhook/{provider}/{sourceKey}',
        'PATCH /api/v1/credentials/{id}',
      ]),
    );
  });

  it(`answers ${REQUESTS_PER_SEED} requests of the fixed seed ${FIXED_SEED} with 4xx bodies that follow the conventions, never a 5xx`, async () => {
    const run = await fuzz(FIXED_SEED);
    expect(run.sent).toBe(REQUESTS_PER_SEED);
    expect(run.failures.length, report(run)).toBe(0);
  }, 300_000);

  it(`answers ${REQUESTS_PER_SEED} requests of a random seed (${RANDOM_SEED}) the same way`, async () => {
    const run = await fuzz(RANDOM_SEED);
    expect(run.sent).toBe(REQUESTS_PER_SEED);
    expect(run.failures.length, report(run)).toBe(0);
  }, 300_000);
});
