// The execution chains API without a worker: definitions (seed and /api/v1 paths), validation, optimistic locking,
// activation, soft delete, roles and tenant isolation.
import { TestApi, startTestApi } from '../support/test-api';

describe('execution chains API', () => {
  let api: TestApi;
  let admin: { token: string };
  let analyst: { token: string };
  let viewer: { token: string };
  let other: { token: string };
  let msspAdmin: { token: string };
  const t: Record<string, { id: string; code: string }> = {};
  const subs: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi();
    t.mssp = await api.seedTenant('mssp');
    t.acme = await api.seedTenant('acme', 'mssp');
    t.globex = await api.seedTenant('globex');
    admin = await api.seedUser('acme', 'tenant_admin');
    analyst = await api.seedUser('acme', 'analyst');
    viewer = await api.seedUser('acme', 'viewer');
    other = await api.seedUser('globex', 'tenant_admin');
    msspAdmin = await api.seedUser('mssp', 'mssp_admin');
    for (const name of ['payment', 'inventory', 'shipping', 'email']) {
      const res = await api.request('POST', '/api/v1/subscriptions', {
        token: admin.token,
        body: { app_name: name, target_url: `http://127.0.0.1:9/${name}`, event_types: ['chain.step'] },
      });
      subs[name] = res.body.id;
    }
    const foreign = await api.request('POST', '/api/v1/subscriptions', {
      token: other.token,
      body: { app_name: 'foreign', target_url: 'http://127.0.0.1:9/x', event_types: ['chain.step'] },
    });
    subs.foreign = foreign.body.id;
  });
  afterAll(() => api.close());

  /** The seed's order-processing chain (000 "Complete Order Processing Pipeline"). */
  const seedChain = (overrides: Record<string, unknown> = {}) => ({
    name: 'Complete Order Processing',
    trigger_event: 'order.placed',
    steps: [
      {
        webhook_id: subs.payment,
        name: 'Process Payment',
        request_params: {
          amount: '{{.trigger_data.order_amount}}',
          customer_id: '{{.trigger_data.customer_id}}',
          payment_method: '{{.trigger_data.payment_method}}',
        },
        max_retries: 3,
      },
      {
        webhook_id: subs.inventory,
        name: 'Reserve Inventory',
        request_params: {
          order_id: '{{.trigger_data.order_id}}',
          items: '{{.trigger_data.items}}',
          payment_id: '{{.step_1.response.payment_id}}',
        },
        max_retries: 2,
      },
    ],
    ...overrides,
  });
  const create = (body: Record<string, unknown>, token = admin.token, path = '/api/execution-chains') =>
    api.request('POST', path, { token, body });

  it('creates the seed chain at the seed path and reads it back at both paths', async () => {
    const res = await create({ ...seedChain(), tenant_id: 'acme', description: 'orders' });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      tenant_id: t.acme.id,
      name: 'Complete Order Processing',
      description: 'orders',
      trigger_event: 'order.placed',
      is_active: true,
      version: 1,
      compensation_steps: [],
    });
    expect(res.body.steps).toHaveLength(2);
    expect(res.body.steps[0]).toMatchObject({
      step_order: 1,
      webhook_id: subs.payment,
      name: 'Process Payment',
      on_success_action: 'continue',
      // max_retries given without an action: the seed means "retry".
      on_failure_action: 'retry',
      max_retries: 3,
      delay_seconds: 0,
      request_params: { amount: '{{.trigger_data.order_amount}}' },
    });
    for (const path of [`/api/execution-chains/${res.body.id}`, `/api/v1/chains/${res.body.id}`]) {
      const got = await api.request('GET', path, { token: viewer.token });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(res.body);
    }
  });

  it('orders steps by step_order when given', async () => {
    const [a, b] = seedChain().steps;
    const res = await create(
      seedChain({
        steps: [
          { ...b, step_order: 2, request_params: { x: '{{step_1.response.id}}' } },
          { ...a, step_order: 1 },
        ],
      }),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.steps.map((s: { name: string }) => s.name)).toEqual(['Process Payment', 'Reserve Inventory']);
    const gap = await create(
      seedChain({
        steps: [
          { ...a, step_order: 1 },
          { ...b, step_order: 3 },
        ],
      }),
    );
    expect(gap.status).toBe(400);
    expect(gap.body.error.code).toBe('invalid_chain');
  });

  it('refuses bad definitions with 400 naming the step and its position, and writes nothing', async () => {
    const [{ n: before }] = await api.sql('SELECT count(*)::int AS n FROM execution_chains');
    const step = (extra: Record<string, unknown>) => ({ webhook_id: subs.payment, name: 'Pay', ...extra });
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [
        { steps: [step({}), step({ name: 'Ship', request_params: { a: { b: ['{{ 1 + }}'] } } })] },
        400,
        'invalid_template',
        /Step 2 \("Ship"\): .*a\.b\[0\]/,
      ],
      [
        { steps: [step({ condition: 'trigger_data.x >' })] },
        400,
        'invalid_condition',
        /Step 1 \("Pay"\): condition does not parse/,
      ],
      [
        { steps: [step({ request_params: { p: '{{step_2.response.id}}' } }), step({ name: 'Two' })] },
        400,
        'invalid_template',
        /Step 1 \("Pay"\): .*step_2, which does not run before/,
      ],
      [
        { steps: [step({ request_params: { p: '{{steps["Later"].response.id}}' } })] },
        400,
        'invalid_template',
        /not an earlier step/,
      ],
      [{ steps: [step({ request_params: { p: '{{secrets.x}}' } })] }, 400, 'invalid_template', /uses secrets/],
      [
        { steps: [step({}), step({ webhook_id: subs.foreign, name: 'Foreign' })] },
        400,
        'invalid_chain_step',
        /Step 2 \("Foreign"\): webhook_id .* not a subscription of this tenant/,
      ],
      [{ steps: [step({ webhook_id: 'payment-service-uuid' })] }, 400, 'invalid_chain_step', /Step 1 \("Pay"\)/],
      [
        { steps: [step({}), step({})] },
        400,
        'invalid_chain_step',
        /Step 2 \("Pay"\): the name "Pay" is used by an earlier step/,
      ],
      [
        { steps: [step({ headers: { 'webhook-id': 'x' } })] },
        400,
        'invalid_chain_step',
        /header webhook-id is not allowed/,
      ],
      [
        { steps: [step({})], compensation_steps: [step({ name: 'Undo', compensates: 'Nope' })] },
        400,
        'invalid_chain_step',
        /Compensation step 1 \("Undo"\)/,
      ],
      [{ trigger_event: 'order.*.x' }, 400, 'invalid_trigger_event', /trigger_event/],
      [{ steps: [] }, 400, 'validation_failed', /steps/],
      [{ steps: [step({ on_failure_action: 'explode' })] }, 400, 'validation_failed', /on_failure_action/],
      [{ steps: [step({ max_retries: 99 })] }, 400, 'validation_failed', /max_retries/],
    ];
    for (const [override, status, code, message] of cases) {
      const res = await create(seedChain(override));
      expect({ status: res.status, code: res.body.error?.code, override }).toEqual({ status, code, override });
      expect(res.body.error.message).toMatch(message);
    }
    const badTemplate = await create(seedChain(cases[0][0]));
    expect(badTemplate.body.error.details[0]).toMatchObject({
      field: 'steps[1].request_params.a.b[0]',
      step: 'Ship',
      position: 2,
    });
    const [{ n: after }] = await api.sql('SELECT count(*)::int AS n FROM execution_chains');
    expect(after).toBe(before);
  });

  it('updates with optimistic locking: the read version wins once, a stale one gets 409', async () => {
    const created = (await create(seedChain({ name: 'Lockable' }))).body;
    const first = await api.request('PATCH', `/api/v1/chains/${created.id}`, {
      token: analyst.token,
      body: {
        version: 1,
        name: 'Locked',
        steps: [{ webhook_id: subs.email, name: 'Only', request_params: { to: '{{trigger_data.email}}' } }],
      },
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ name: 'Locked', version: 2 });
    expect(first.body.steps.map((s: { name: string }) => s.name)).toEqual(['Only']);
    const stale = await api.request('PUT', `/api/execution-chains/${created.id}`, {
      token: admin.token,
      body: { version: 1, name: 'Stale' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({
      code: 'chain_version_conflict',
      details: [{ field: 'version', message: 'current version is 2' }],
    });
    const current = await api.request('GET', `/api/v1/chains/${created.id}`, { token: admin.token });
    expect(current.body).toMatchObject({ name: 'Locked', version: 2 });
    // Older step versions stay for runs that started with them.
    const [{ n }] = await api.sql('SELECT count(*)::int AS n FROM execution_chain_steps WHERE chain_id = $1', [
      created.id,
    ]);
    expect(n).toBe(3);
    const bad = await api.request('PATCH', `/api/v1/chains/${created.id}`, {
      token: admin.token,
      body: { version: 2, compensation_steps: [{ webhook_id: subs.email, name: 'Undo', compensates: 'Gone' }] },
    });
    expect(bad.status).toBe(400);
  });

  it('races two updates of one version: exactly one wins', async () => {
    const created = (await create(seedChain({ name: 'Race' }))).body;
    const results = await Promise.all(
      ['A', 'B', 'C'].map((n) =>
        api.request('PATCH', `/api/v1/chains/${created.id}`, {
          token: admin.token,
          body: { version: 1, name: `Race ${n}` },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });

  it('activates, deactivates, lists with filters, and soft-deletes', async () => {
    const created = (await create(seedChain({ name: 'Toggle me', trigger_event: 'toggle.*' }))).body;
    const off = await api.request('POST', `/api/execution-chains/${created.id}/deactivate`, { token: analyst.token });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ is_active: false, version: 2 });
    const inactive = await api.request('GET', '/api/execution-chains?is_active=false', { token: admin.token });
    expect(inactive.body.data.map((c: { id: string }) => c.id)).toContain(created.id);
    const on = await api.request('POST', `/api/v1/chains/${created.id}/activate`, { token: analyst.token });
    expect(on.body).toMatchObject({ is_active: true, version: 3 });
    const byEvent = await api.request('GET', '/api/v1/chains?trigger_event=toggle.flip', { token: admin.token });
    expect(byEvent.body.data.map((c: { id: string }) => c.id)).toEqual([created.id]);
    const byName = await api.request('GET', '/api/v1/chains?name=TOGGLE', { token: admin.token });
    expect(byName.body.data.map((c: { id: string }) => c.id)).toEqual([created.id]);
    const page = await api.request('GET', '/api/v1/chains?limit=1', { token: admin.token });
    expect(page.body.data).toHaveLength(1);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const next = await api.request('GET', `/api/v1/chains?limit=1&cursor=${page.body.next_cursor}`, {
      token: admin.token,
    });
    expect(next.body.data[0].id).not.toBe(page.body.data[0].id);

    expect((await api.request('DELETE', `/api/v1/chains/${created.id}`, { token: admin.token })).status).toBe(204);
    expect((await api.request('GET', `/api/v1/chains/${created.id}`, { token: admin.token })).status).toBe(404);
    const [row] = await api.sql('SELECT deleted_at, is_active FROM execution_chains WHERE id = $1', [created.id]);
    expect(row.deleted_at).not.toBeNull();
    expect(row.is_active).toBe(false);
  });

  it('lets viewers read but not change chains', async () => {
    const created = (await create(seedChain({ name: 'Viewer' }))).body;
    expect((await api.request('GET', '/api/v1/chains', { token: viewer.token })).status).toBe(200);
    expect((await create(seedChain(), viewer.token)).status).toBe(403);
    expect(
      (
        await api.request('PATCH', `/api/v1/chains/${created.id}`, {
          token: viewer.token,
          body: { version: 1, name: 'x' },
        })
      ).status,
    ).toBe(403);
    expect((await api.request('DELETE', `/api/v1/chains/${created.id}`, { token: viewer.token })).status).toBe(403);
  });

  it("isolates tenants: another tenant's chains are 404 and never listed", async () => {
    const mine = (await create(seedChain({ name: 'Mine' }))).body;
    expect((await api.request('GET', `/api/v1/chains/${mine.id}`, { token: other.token })).status).toBe(404);
    expect(
      (await api.request('PATCH', `/api/v1/chains/${mine.id}`, { token: other.token, body: { version: 1, name: 'x' } }))
        .status,
    ).toBe(404);
    expect((await api.request('DELETE', `/api/v1/chains/${mine.id}`, { token: other.token })).status).toBe(404);
    const list = await api.request('GET', '/api/v1/chains', { token: other.token });
    expect(list.body.data).toEqual([]);
    // A seed body naming a tenant the caller does not administer.
    expect((await create({ ...seedChain(), tenant_id: 'acme' }, other.token)).status).toBe(404);
    // An MSSP admin may act in a child tenant by naming it.
    const child = await create({ ...seedChain({ name: 'From MSSP' }), tenant_id: 'acme' }, msspAdmin.token);
    expect(child.status, child.text).toBe(201);
    expect(child.body.tenant_id).toBe(t.acme.id);
  });

  it("serves a run at /api/v1/chain-runs/{runId} and at the seed's run paths alike; documents only the first", async () => {
    const chain = (await create(seedChain({ name: 'Run paths' }))).body;
    const executed = await api.request('POST', `/api/v1/chains/${chain.id}/execute`, {
      token: admin.token,
      body: { trigger_data: { order_amount: 10 } },
    });
    expect(executed.status, executed.text).toBe(202);
    const runId = executed.body.id;
    const paths = ['/api/v1/chain-runs', '/api/v1/chains/runs', '/api/execution-chains/runs'];
    const reads = await Promise.all(paths.map((p) => api.request('GET', `${p}/${runId}`, { token: admin.token })));
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(reads[1].body).toEqual(reads[0].body);
    expect(reads[2].body).toEqual(reads[0].body);
    expect(reads[0].body).toMatchObject({ id: runId, chain_id: chain.id, status: 'pending' });

    expect((await api.request('GET', `/api/v1/chain-runs/${runId}`, { token: other.token })).status).toBe(404);
    const byViewer = await api.request('POST', `/api/v1/chain-runs/${runId}/cancel`, { token: viewer.token });
    expect(byViewer.status).toBe(403);
    const cancelled = await api.request('POST', `/api/v1/chain-runs/${runId}/cancel`, { token: admin.token });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await api.request('POST', `/api/execution-chains/runs/${runId}/cancel`, { token: admin.token });
    expect(again.status).toBe(409);
    const [audit] = await api.sql(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'chain_run.cancel'`);
    expect(audit.n).toBeGreaterThanOrEqual(1);

    const doc = (await api.request('GET', '/docs-json')).body;
    for (const action of ['', '/resume', '/cancel', '/retry']) {
      expect(Object.keys(doc.paths)).toContain(`/api/v1/chain-runs/{runId}${action}`);
      expect(Object.keys(doc.paths)).not.toContain(`/api/v1/chains/runs/{runId}${action}`);
      expect(Object.keys(doc.paths)).not.toContain(`/api/execution-chains/runs/{runId}${action}`);
    }
  });

  describe('credentials', () => {
    const SECRET = 'sk_live_do-not-leak-4242';

    it('stores a credential sealed, never returns its value, and audits it masked', async () => {
      const res = await api.request('POST', '/api/v1/credentials', {
        token: admin.token,
        body: { name: 'payments_key', value: SECRET, description: 'PSP key', allowed_hosts: ['API.psp.example'] },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        name: 'payments_key',
        description: 'PSP key',
        allowed_hosts: ['api.psp.example'],
        value: '[REDACTED]',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const list = await api.request('GET', '/api/v1/credentials', { token: analyst.token });
      expect(list.status).toBe(200);
      expect(list.body.data.map((c: { name: string }) => c.name)).toContain('payments_key');
      const rotated = await api.request('PATCH', `/api/v1/credentials/${res.body.id}`, {
        token: admin.token,
        body: { value: `${SECRET}-rotated` },
      });
      expect(rotated.status).toBe(200);
      const got = await api.request('GET', `/api/v1/credentials/${res.body.id}`, { token: admin.token });
      const audit = await api.request('GET', '/api/v1/audit-events?limit=200', { token: admin.token });
      expect(audit.body.data.map((a: { action: string }) => a.action)).toEqual(
        expect.arrayContaining(['credential.create', 'credential.update']),
      );
      for (const text of [res.text, list.text, rotated.text, got.text, audit.text]) expect(text).not.toContain(SECRET);
      const rows = await api.sql(
        'SELECT c.*, (SELECT json_agg(a) FROM audit_events a) AS audit FROM credentials c WHERE c.id = $1',
        [res.body.id],
      );
      expect(JSON.stringify(rows)).not.toContain(SECRET);
      expect(rows[0].value_sealed).toMatch(/^[0-9a-f-]{36}:/);
    });

    it('refuses a taken name (409), a bad name (400), and lets only admins write', async () => {
      const body = { name: 'dup_key', value: 'v1', allowed_hosts: ['api.psp.example'] };
      expect((await api.request('POST', '/api/v1/credentials', { token: admin.token, body })).status).toBe(201);
      const dup = await api.request('POST', '/api/v1/credentials', { token: admin.token, body });
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('credential_name_taken');
      const bad = await api.request('POST', '/api/v1/credentials', {
        token: admin.token,
        body: { name: 'has-dash', value: 'x', allowed_hosts: ['api.psp.example'] },
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).not.toContain('"x"');
      expect(
        (await api.request('POST', '/api/v1/credentials', { token: analyst.token, body: { name: 'nope', value: 'x' } }))
          .status,
      ).toBe(403);
      expect((await api.request('GET', '/api/v1/credentials', { token: viewer.token })).status).toBe(403);
    });

    it("isolates tenants' credentials, and deletes", async () => {
      const mine = (
        await api.request('POST', '/api/v1/credentials', {
          token: admin.token,
          body: { name: 'mine_key', value: 'mine', allowed_hosts: ['api.psp.example'] },
        })
      ).body;
      expect((await api.request('GET', `/api/v1/credentials/${mine.id}`, { token: other.token })).status).toBe(404);
      expect(
        (await api.request('PATCH', `/api/v1/credentials/${mine.id}`, { token: other.token, body: { value: 'x' } }))
          .status,
      ).toBe(404);
      expect((await api.request('DELETE', `/api/v1/credentials/${mine.id}`, { token: other.token })).status).toBe(404);
      expect((await api.request('GET', '/api/v1/credentials', { token: other.token })).body.data).toEqual([]);
      // The same name in another tenant is another credential.
      expect(
        (
          await api.request('POST', '/api/v1/credentials', {
            token: other.token,
            body: { name: 'mine_key', value: 'theirs', allowed_hosts: ['api.psp.example'] },
          })
        ).status,
      ).toBe(201);
      expect((await api.request('DELETE', `/api/v1/credentials/${mine.id}`, { token: admin.token })).status).toBe(204);
      expect((await api.request('GET', `/api/v1/credentials/${mine.id}`, { token: admin.token })).status).toBe(404);
    });
  });
});
