// An MSSP withdraws a shared integration its customers use (DELETE, or PATCH shared: false): without force it is 409
// integration_has_dependents naming the tenants below that use it (how many instances, their chains and ingestion
// on it) and nothing changes; with force their instances stop (inactive: no health check, no ingestion, chain task
// steps on them fail with instance_not_runnable), each audited and announced as instance.deactivated in its own tenant.
import { TestStack, startTestStack } from '../support/test-stack';
import { liftQuotas } from '../support/test-license';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const TOKEN = 'withdrawal-bearer-5e1f0b7c';
const json = (body: unknown) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const INGESTION = {
  task_tag: 'pull_alerts',
  interval_seconds: 1,
  first_fetch: 3600,
  settle_seconds: 0,
  page_size: 5,
  items_path: '$.alerts',
  pagination: { type: 'token', next_path: '$.next', param: 'page_token' },
  field_mapping: { external_id: '$.id', title: '$.host', severity: '$.level', occurred_at: '$.ts', case_key: '$.host' },
};

interface Who {
  token: string;
}

describe('withdrawing a shared integration from the tenants below', () => {
  let stack: TestStack;
  let tool: WebhookReceiver;
  let mssp: Who;
  let custA: Who;
  let custB: Who;
  let grand: Who;
  let tenants: Record<string, string>;

  beforeAll(async () => {
    stack = await startTestStack({
      config: {
        INSTANCE_HEALTH_SWEEP_INTERVAL_MS: '200',
        CASE_INGESTION_SWEEP_INTERVAL_MS: '200',
        CHAIN_RECONCILE_INTERVAL_MS: '300',
      },
    });
    tool = await startWebhookReceiver();
    tool.respond(() => json({}), '/a/health');
    tool.respond(() => json({ ok: true }), '/a/ping');
    tool.respond(() => json({ alerts: [] }), '/b/alerts');
    const api = stack.api;
    await liftQuotas(api);
    tenants = {};
    for (const [code, parent] of [
      ['root', undefined],
      ['mssp', 'root'],
      ['cust-a', 'mssp'],
      ['cust-b', 'mssp'],
      ['grand', 'cust-a'],
      ['other-mssp', 'root'],
      ['other-cust', 'other-mssp'],
    ] as const)
      tenants[code] = (await api.seedTenant(code, parent)).id;
    mssp = await api.seedUser('mssp', 'mssp_admin');
    custA = await api.seedUser('cust-a', 'tenant_admin');
    custB = await api.seedUser('cust-b', 'tenant_admin');
    grand = await api.seedUser('grand', 'tenant_admin');
  });
  afterAll(async () => {
    await tool?.close();
    await stack?.close();
  });

  const call = (method: string, path: string, who: Who, body?: unknown) =>
    stack.api.request(method, path, { token: who.token, body });

  /** The MSSP's shared integration with a ping task and an ingestion task. */
  async function sharedIntegration(title: string): Promise<string> {
    const made = await call('POST', '/api/v1/integrations', mssp, {
      title,
      shared: true,
      fields: [{ name: 'api_key', label: 'Key', type: 'secret' }],
    });
    expect(made.status, made.text).toBe(201);
    const tasks = [
      { name: 'Ping', task_tag: 'ping', request: { method: 'GET', path: '/ping' } },
      {
        name: 'Pull alerts',
        task_tag: 'pull_alerts',
        request: {
          method: 'GET',
          path: '/alerts',
          query: { start: '{{input.start}}', end: '{{input.end}}', page_token: '{{input.page_token}}' },
        },
        input_fields: [
          { name: 'start', label: 'start', type: 'text' },
          { name: 'end', label: 'end', type: 'text' },
          { name: 'page_size', label: 'page size', type: 'number' },
          { name: 'page_token', label: 'page token', type: 'text' },
        ],
        output_fields: [{ name: 'alerts', path: '$.alerts', type: 'any', is_array: true }],
        ingest_cases: true,
        case_ingestion_config: {},
      },
    ];
    for (const task of tasks) {
      const res = await call('POST', `/api/v1/integrations/${made.body.id}/tasks`, mssp, task);
      expect(res.status, res.text).toBe(201);
    }
    return made.body.id as string;
  }

  async function instance(who: Who, integrationUuid: string, title: string, extra: Record<string, unknown> = {}) {
    const res = await call('POST', '/api/v1/instances', who, {
      integration_uuid: integrationUuid,
      title,
      base_url: tool.url(`/${title}`),
      fields: { api_key: TOKEN },
      auth: { type: 'bearer', token: TOKEN },
      ...extra,
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  }

  const statuses = async (ids: string[]) =>
    Object.fromEntries(
      (
        await stack.api.sql<{ id: string; status: string }>(
          `SELECT id, status FROM integration_instances WHERE id = ANY($1::uuid[])`,
          [ids],
        )
      ).map((r) => [r.id, r.status]),
    );
  const deactivatedEvents = (integrationUuid: string) =>
    stack.api.sql<{ tenant_id: string; payload: Record<string, unknown> }>(
      `SELECT tenant_id, payload FROM webhook_events WHERE event_name = 'instance.deactivated'
          AND payload->>'integration_uuid' = $1 ORDER BY payload->>'title'`,
      [integrationUuid],
    );

  it(
    'deleting: 409 naming the subtree’s use without force; with force the instances stop, audited and announced in each tenant',
    { timeout: 60_000 },
    async () => {
      const edr = await sharedIntegration('Shared EDR');
      const a = await instance(custA, edr, 'a', { health_check: { path: '/health', interval_seconds: 3600 } });
      const b = await instance(custB, edr, 'b');
      const g = await instance(grand, edr, 'g');
      const chain = await call('POST', '/api/execution-chains', custA, {
        name: 'Ping on alert',
        trigger_event: 'alert.raised',
        steps: [{ type: 'task', name: 'Ping', instance_id: a, task_tag: 'ping', input: {} }],
      });
      expect(chain.status, chain.text).toBe(201);
      const ingestion = await call('PUT', `/api/v1/instances/${b}/ingestion`, custB, INGESTION);
      expect(ingestion.status, ingestion.text).toBe(200);
      // Running before: the health check of a, the ingestion of b.
      await waitFor('a health check', async () => tool.to('/a/health').length > 0);
      await waitFor('an ingestion poll', async () => tool.to('/b/alerts').length > 0);

      const refused = await call('DELETE', `/api/v1/integrations/${edr}`, mssp);
      expect(refused.status, refused.text).toBe(409);
      expect(refused.body.error.code).toBe('integration_has_dependents');
      const details = refused.body.error.details as Record<string, unknown>[];
      expect(details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'instances', tenant_id: tenants['cust-a'], instances: 1 }),
          expect.objectContaining({ kind: 'chain', tenant_id: tenants['cust-a'], id: chain.body.id }),
          expect.objectContaining({ kind: 'instances', tenant_id: tenants['cust-b'], instances: 1 }),
          expect.objectContaining({ kind: 'case_ingestion', tenant_id: tenants['cust-b'], id: b }),
          expect.objectContaining({ kind: 'instances', tenant_id: tenants.grand, instances: 1 }),
        ]),
      );
      expect(details).toHaveLength(5);
      expect(refused.text).not.toContain(TOKEN);
      expect(await statuses([a, b, g])).toEqual({ [a]: 'active', [b]: 'active', [g]: 'active' });
      expect((await call('GET', `/api/v1/integrations/${edr}`, custA)).status).toBe(200);

      const forced = await call('DELETE', `/api/v1/integrations/${edr}?force=true`, mssp);
      expect(forced.status, forced.text).toBe(204);
      expect(await statuses([a, b, g])).toEqual({ [a]: 'inactive', [b]: 'inactive', [g]: 'inactive' });

      // Each tenant is told about its own instance only, and its audit names the MSSP admin.
      const events = await deactivatedEvents(edr);
      expect(events.map((e) => [e.tenant_id, e.payload.instance_uuid, e.payload.reason])).toEqual([
        [tenants['cust-a'], a, 'integration_deleted'],
        [tenants['cust-b'], b, 'integration_deleted'],
        [tenants.grand, g, 'integration_deleted'],
      ]);
      expect(events[0].payload).toMatchObject({ previous_status: 'active', status: 'inactive', title: 'a' });
      const audits = await stack.api.sql<{
        tenant_id: string;
        target_id: string;
        actor_label: string;
        changes: unknown;
      }>(
        `SELECT tenant_id, target_id, actor_label, changes FROM audit_events WHERE action = 'instance.deactivate'
          AND target_id = ANY($1::text[]) ORDER BY actor_label, tenant_id`,
        [[a, b, g]],
      );
      expect(audits.map((r) => [r.tenant_id, r.target_id])).toEqual(
        expect.arrayContaining([
          [tenants['cust-a'], a],
          [tenants['cust-b'], b],
          [tenants.grand, g],
        ]),
      );
      expect(audits).toHaveLength(3);
      for (const row of audits) {
        expect(row.actor_label).toBe('mssp_admin.mssp@example.test');
        expect(row.changes).toEqual({ status: { from: 'active', to: 'inactive' }, reason: 'integration_deleted' });
      }

      // Stopped: a due health check is not run, a due ingestion is not claimed (a run records last_run as it ends).
      const healthChecks = tool.to('/a/health').length;
      const ingestionState = async () =>
        (
          await stack.api.sql<{ free: boolean; last_run: unknown }>(
            `SELECT locked_until < now() AS free, last_run FROM instance_ingestion WHERE instance_uuid = $1`,
            [b],
          )
        )[0];
      // A run claimed before the deactivation ends first (its lease cleared).
      await waitFor('no ingestion run in flight', async () => (await ingestionState()).free);
      const lastRun = (await ingestionState()).last_run;
      await stack.api.sql(`UPDATE integration_instances SET next_health_check_at = now() WHERE id = $1`, [a]);
      await stack.api.sql(`UPDATE instance_ingestion SET next_run_at = now() WHERE instance_uuid = $1`, [b]);
      await new Promise((r) => setTimeout(r, 1500));
      expect(tool.to('/a/health')).toHaveLength(healthChecks);
      expect((await ingestionState()).last_run).toEqual(lastRun);

      // The chain's task step fails with a clear error instead of calling the tool.
      const published = await call('POST', '/api/v1/events', custA, { event_name: 'alert.raised', payload: {} });
      expect(published.status, published.text).toBeLessThan(300);
      const run = await waitFor(
        'the chain run to fail',
        async () => {
          const rows = await stack.api.sql<{ status: string; last_error: string | null }>(
            `SELECT status, last_error FROM execution_chain_runs WHERE trigger_event_id = $1`,
            [published.body.id],
          );
          return rows[0]?.status === 'failed' ? rows[0] : undefined;
        },
        20_000,
      );
      expect(run.last_error).toContain('instance_not_runnable');
      expect(tool.to('/a/ping')).toHaveLength(0);
    },
  );

  it('un-sharing: 409 without force, then the instances below stop; the deletion that follows needs no force', async () => {
    const siem = await sharedIntegration('Shared SIEM');
    const b = await instance(custB, siem, 'b2');
    const unshare = (query = '') => call('PATCH', `/api/v1/integrations/${siem}${query}`, mssp, { shared: false });

    const refused = await unshare();
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.details).toEqual([
      expect.objectContaining({ kind: 'instances', tenant_id: tenants['cust-b'], instances: 1 }),
    ]);
    expect((await call('GET', `/api/v1/integrations/${siem}`, mssp)).body.shared).toBe(true);
    expect(await statuses([b])).toEqual({ [b]: 'active' });

    const forced = await unshare('?force=true');
    expect(forced.status, forced.text).toBe(200);
    expect(forced.body.shared).toBe(false);
    expect(await statuses([b])).toEqual({ [b]: 'inactive' });
    expect((await deactivatedEvents(siem)).map((e) => [e.tenant_id, e.payload.reason])).toEqual([
      [tenants['cust-b'], 'integration_unshared'],
    ]);
    // The customer cannot switch it on again while the integration is not shared with it.
    const reactivated = await call('PATCH', `/api/v1/instances/${b}`, custB, { status: 'active' });
    expect(reactivated.status, reactivated.text).toBe(404);
    expect(reactivated.body.error.code).toBe('integration_not_found');
    expect(await statuses([b])).toEqual({ [b]: 'inactive' });
    expect((await call('DELETE', `/api/v1/integrations/${siem}`, mssp)).status).toBe(204);
    expect(await deactivatedEvents(siem)).toHaveLength(1);
  });

  it('refuses a bad force value with 400 and changes nothing', async () => {
    const xdr = await sharedIntegration('Shared XDR');
    const res = await call('DELETE', `/api/v1/integrations/${xdr}?force=yes`, mssp);
    expect(res.status).toBe(400);
    expect((await call('GET', `/api/v1/integrations/${xdr}`, mssp)).body.status).toBe('active');
  });
});
