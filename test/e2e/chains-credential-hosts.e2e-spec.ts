// Chain credentials are bound to hosts: allowed_hosts on the credentials API, checked when a chain is saved and again
// before each step is sent (nothing reaches a host the credential does not allow), and the migration's backfill of
// existing credentials from the steps that use them, run as the runtime role so row-level security applies.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { resolveDatabaseUrls } from '@conduit/database';
import { TestStack, startTestStack } from '../support/test-stack';
import { testConfig } from '../support/test-config';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

describe('chain credentials bound to hosts', () => {
  let stack: TestStack;
  /** The credential's host; `elsewhere` is another port on 127.0.0.1, which it does not allow. */
  let allowed: WebhookReceiver;
  let elsewhere: WebhookReceiver;
  let admin: { token: string };
  let analyst: { token: string };
  let tenantId: string;
  const SECRET = 'sk_live_host-bound-5150';

  beforeAll(async () => {
    stack = await startTestStack();
    allowed = await startWebhookReceiver();
    elsewhere = await startWebhookReceiver();
    tenantId = (await stack.api.seedTenant('acme')).id;
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    analyst = await stack.api.seedUser('acme', 'analyst');
  });
  afterAll(async () => {
    await allowed?.close();
    await elsewhere?.close();
    await stack?.close();
  });

  const api = () => stack.api;
  const hostOf = (r: WebhookReceiver) => new URL(r.url()).host;
  const createCredential = (body: Record<string, unknown>) =>
    api().request('POST', '/api/v1/credentials', { token: admin.token, body });
  async function credential(name: string, allowedHosts: string[]): Promise<string> {
    const res = await createCredential({ name, value: SECRET, allowed_hosts: allowedHosts });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }
  async function subscribe(url: string): Promise<string> {
    const res = await api().request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: { app_name: 'psp', target_url: url, event_types: ['chain.step'] },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }
  const chainBody = (webhookId: string, credentialName: string, name = 'charge') => ({
    name,
    trigger_event: 'order.placed',
    steps: [
      {
        webhook_id: webhookId,
        name: 'charge',
        headers: { Authorization: 'Bearer {{ credentials["' + credentialName + '"] }}' },
        request_params: { order: '{{trigger_data.order}}' },
        on_failure_action: 'stop',
      },
    ],
  });
  const saveChain = (body: Record<string, unknown>) =>
    api().request('POST', '/api/v1/chains', { token: analyst.token, body });
  async function execute(chainId: string): Promise<string> {
    const res = await api().request('POST', `/api/v1/chains/${chainId}/execute`, {
      token: analyst.token,
      body: { trigger_data: { order: 'o-1' } },
    });
    expect(res.status, res.text).toBe(202);
    return res.body.run_id;
  }
  const untilEnded = (runId: string) =>
    waitFor(`run ${runId} to end`, async () => {
      const run = (await api().request('GET', `/api/v1/chains/runs/${runId}`, { token: analyst.token })).body;
      return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
    });

  describe('the credentials API', () => {
    it('stores allowed_hosts in canonical form, shows them, and replaces them on PATCH', async () => {
      const res = await createCredential({
        name: 'canon_key',
        value: SECRET,
        allowed_hosts: ['API.Example.com', '*.Bücher.example:8443', '127.0.0.1:4000', 'api.example.com'],
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.allowed_hosts).toEqual(['api.example.com', '*.xn--bcher-kva.example:8443', '127.0.0.1:4000']);
      const got = await api().request('GET', `/api/v1/credentials/${res.body.id}`, { token: admin.token });
      expect(got.body.allowed_hosts).toEqual(res.body.allowed_hosts);
      const list = await api().request('GET', '/api/v1/credentials', { token: analyst.token });
      expect(list.body.data.find((c: { id: string }) => c.id === res.body.id).allowed_hosts).toEqual(
        res.body.allowed_hosts,
      );
      const patched = await api().request('PATCH', `/api/v1/credentials/${res.body.id}`, {
        token: admin.token,
        body: { allowed_hosts: ['*.payments.example'] },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.allowed_hosts).toEqual(['*.payments.example']);
      const [row] = await api().sql(`SELECT allowed_hosts FROM credentials WHERE id = $1`, [res.body.id]);
      expect(row.allowed_hosts).toEqual(['*.payments.example']);
      // [] is allowed on PATCH: the credential then goes nowhere. null is not.
      const none = await api().request('PATCH', `/api/v1/credentials/${res.body.id}`, {
        token: admin.token,
        body: { allowed_hosts: [] },
      });
      expect(none.body.allowed_hosts).toEqual([]);
      const nulled = await api().request('PATCH', `/api/v1/credentials/${res.body.id}`, {
        token: admin.token,
        body: { allowed_hosts: null },
      });
      expect(nulled.status).toBe(400);
      const audit = await api().sql(
        `SELECT changes FROM audit_events WHERE target_id = $1 AND action = 'credential.update' ORDER BY created_at`,
        [res.body.id],
      );
      expect(audit.map((a) => a.changes.allowed_hosts)).toEqual([['*.payments.example'], []]);
    });

    it('refuses entries that are not hosts (400 invalid_allowed_host naming each) and a missing or empty list', async () => {
      const before = await api().sql(`SELECT count(*)::int AS n FROM credentials`);
      const bad = await createCredential({
        name: 'bad_hosts',
        value: SECRET,
        allowed_hosts: ['api.example.com', '*', 'https://api.example.com/x', '*.127.0.0.1', '*.com', 'a.*.example.com'],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_allowed_host');
      expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual([
        'allowed_hosts[1]',
        'allowed_hosts[2]',
        'allowed_hosts[3]',
        'allowed_hosts[4]',
        'allowed_hosts[5]',
      ]);
      expect(bad.text).not.toContain(SECRET);
      for (const allowedHosts of [undefined, [], 'api.example.com', [42]]) {
        const res = await createCredential({ name: 'bad_hosts', value: SECRET, allowed_hosts: allowedHosts });
        expect(res.status, JSON.stringify(allowedHosts)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      expect(await api().sql(`SELECT count(*)::int AS n FROM credentials`)).toEqual(before);
      const id = await credential('patched_bad', ['api.example.com']);
      const patch = await api().request('PATCH', `/api/v1/credentials/${id}`, {
        token: admin.token,
        body: { allowed_hosts: ['*.'], value: 'other-value' },
      });
      expect(patch.status).toBe(400);
      expect(patch.body.error.code).toBe('invalid_allowed_host');
      const [row] = await api().sql(`SELECT allowed_hosts FROM credentials WHERE id = $1`, [id]);
      expect(row.allowed_hosts).toEqual(['api.example.com']);
    });
  });

  describe('saving a chain', () => {
    it('refuses a step whose credential does not allow its subscription host (400 credential_host_not_allowed)', async () => {
      await credential('save_key', [hostOf(allowed)]);
      const onAllowed = await subscribe(allowed.url('/save'));
      const onOther = await subscribe(elsewhere.url('/save'));
      const before = await api().sql(`SELECT count(*)::int AS n FROM execution_chains`);
      const refused = await saveChain({
        ...chainBody(onAllowed, 'save_key'),
        compensation_steps: [
          { webhook_id: onOther, name: 'refund', request_params: { key: 'x {{credentials.save_key}}' } },
        ],
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('credential_host_not_allowed');
      expect(refused.body.error.message).toContain('Compensation step 1 ("refund"): credential save_key');
      expect(refused.body.error.message).toContain(hostOf(elsewhere));
      expect(refused.body.error.details).toEqual([
        expect.objectContaining({
          field: 'compensation_steps[0]',
          step: 'refund',
          position: 1,
          credential: 'save_key',
        }),
      ]);
      expect(await api().sql(`SELECT count(*)::int AS n FROM execution_chains`)).toEqual(before);

      // Allowed: saved. An update that moves the step to the other host is refused and changes nothing.
      const saved = await saveChain(chainBody(onAllowed, 'save_key'));
      expect(saved.status, saved.text).toBe(201);
      const moved = await api().request('PATCH', `/api/v1/chains/${saved.body.id}`, {
        token: analyst.token,
        body: { version: saved.body.version, steps: chainBody(onOther, 'save_key').steps },
      });
      expect(moved.status).toBe(400);
      expect(moved.body.error.code).toBe('credential_host_not_allowed');
      expect(moved.body.error.details[0]).toMatchObject({ field: 'steps[0]', step: 'charge', credential: 'save_key' });
      const current = await api().request('GET', `/api/v1/chains/${saved.body.id}`, { token: analyst.token });
      expect(current.body.version).toBe(saved.body.version);
      expect(current.body.steps[0].webhook_id).toBe(onAllowed);
    });
  });

  describe('running a step', () => {
    it('sends the credential to an allowed host', async () => {
      await credential('run_ok_key', [hostOf(allowed)]);
      const chain = (await saveChain(chainBody(await subscribe(allowed.url('/run-ok')), 'run_ok_key', 'ok'))).body;
      const run = await untilEnded(await execute(chain.id));
      expect(run.status, JSON.stringify(run)).toBe('completed');
      const [req] = allowed.to('/run-ok');
      expect(req.headers.authorization).toBe(`Bearer ${SECRET}`);
    });

    it('fails the step and sends nothing once the subscription moved to a host the credential does not allow', async () => {
      await credential('moved_key', [hostOf(allowed)]);
      const sub = await subscribe(allowed.url('/moved'));
      const chain = (await saveChain(chainBody(sub, 'moved_key', 'moved'))).body;
      const patched = await api().request('PATCH', `/api/v1/subscriptions/${sub}`, {
        token: admin.token,
        body: { target_url: elsewhere.url('/moved') },
      });
      expect(patched.status, patched.text).toBe(200);
      const run = await untilEnded(await execute(chain.id));
      expect(run.status).toBe('failed');
      const [step] = run.step_runs;
      expect(step.status).toBe('failed');
      expect(step.last_error).toMatch(/^credential_host_not_allowed: /);
      expect(step.last_error).toContain(hostOf(elsewhere));
      expect(step.last_error).toContain(`moved_key (allowed_hosts: ${hostOf(allowed)})`);
      expect(step.request_headers).toBeNull();
      expect(run.last_error).toContain('credential_host_not_allowed');
      expect(elsewhere.to('/moved')).toHaveLength(0);
      expect(allowed.to('/moved')).toHaveLength(0);
      expect(JSON.stringify(run)).not.toContain(SECRET);
    });

    it('fails the step when the credential stopped allowing the host after the chain was saved', async () => {
      const id = await credential('narrowed_key', [hostOf(allowed)]);
      const chain = (await saveChain(chainBody(await subscribe(allowed.url('/narrowed')), 'narrowed_key', 'n'))).body;
      await api().request('PATCH', `/api/v1/credentials/${id}`, { token: admin.token, body: { allowed_hosts: [] } });
      const run = await untilEnded(await execute(chain.id));
      expect(run.status).toBe('failed');
      expect(run.step_runs[0].last_error).toMatch(
        /^credential_host_not_allowed: .*narrowed_key \(allowed_hosts: none\)/,
      );
      expect(allowed.to('/narrowed')).toHaveLength(0);
    });

    it('skips a step its condition rules out without opening its credential (not failed by the host rule)', async () => {
      const id = await credential('skipped_key', [hostOf(allowed)]);
      const sub = await subscribe(allowed.url('/skipped'));
      const body = chainBody(sub, 'skipped_key', 'skipped');
      const chain = (
        await saveChain({ ...body, steps: [{ ...body.steps[0], condition: 'trigger_data.order == "never"' }] })
      ).body;
      await api().request('PATCH', `/api/v1/credentials/${id}`, { token: admin.token, body: { allowed_hosts: [] } });
      const run = await untilEnded(await execute(chain.id));
      expect(run.status, JSON.stringify(run)).toBe('completed');
      expect(run.step_runs[0].status).toBe('skipped');
      expect(run.step_runs[0].last_error).toBeNull();
      expect(allowed.to('/skipped')).toHaveLength(0);
    });
  });

  describe('the migration backfill', () => {
    it('gives each credential the hosts of the steps that use it today, tenant by tenant under row-level security', async () => {
      const ALLOWED_EVERYWHERE = [hostOf(allowed), hostOf(elsewhere), 'api.psp.example', 'api.psp.example:8443'];
      for (const name of ['bf_used', 'bf_spaced', 'bf_old', 'bf_deleted', 'bf_unused', 'bf_in_flight'])
        await credential(name, ALLOWED_EVERYWHERE);
      const onAllowed = await subscribe(allowed.url('/bf'));
      const onOther = await subscribe(elsewhere.url('/bf'));
      const onPsp = await subscribe('https://API.psp.example/hook');
      const onPspPort = await subscribe('https://api.psp.example:8443/hook');
      const step = (webhook_id: string, name: string, extra: Record<string, unknown>) => ({
        webhook_id,
        name,
        ...extra,
      });
      // Current steps of a live chain: in a header, in the body, in the bracket form inside a longer string.
      const live = await saveChain({
        name: 'bf-live',
        trigger_event: 'bf.none',
        steps: [
          step(onAllowed, 'a', { headers: { 'X-Key': '{{credentials.bf_used}}' } }),
          step(onPsp, 'b', { request_params: { nested: { k: 'key={{ credentials["bf_spaced"] }}!' } } }),
          step(onPspPort, 'c', { request_params: { k: '{{ .credentials.bf_used }}' } }),
        ],
        compensation_steps: [step(onPsp, 'undo', { headers: { Authorization: 'Bearer {{credentials.bf_used}}' } })],
      });
      expect(live.status, live.text).toBe(201);
      // bf_old only in the first version of a chain; bf_in_flight in the first version of one that a paused run
      // still uses.
      for (const [name, credentialName, webhookId, pausedRun] of [
        ['bf-changed', 'bf_old', onOther, false],
        ['bf-in-flight', 'bf_in_flight', onAllowed, true],
      ] as const) {
        const chain = (
          await saveChain({
            name,
            trigger_event: 'bf.none',
            steps: [step(webhookId, 'v1', { request_params: { k: `{{credentials.${credentialName}}}` } })],
          })
        ).body;
        if (pausedRun) {
          await api().sql(
            `INSERT INTO execution_chain_runs (id, tenant_id, chain_id, steps_version, status, trigger_type, trigger_event,
               trigger_data, total_steps) VALUES ($1, $2, $3, 1, 'paused', 'manual', 'bf.none', '{}', 1)`,
            [randomUUID(), tenantId, chain.id],
          );
        }
        const updated = await api().request('PATCH', `/api/v1/chains/${chain.id}`, {
          token: analyst.token,
          body: { version: chain.version, steps: [step(onAllowed, 'v2', { request_params: { k: 'plain' } })] },
        });
        expect(updated.status, updated.text).toBe(200);
      }
      const deleted = (
        await saveChain({
          name: 'bf-deleted',
          trigger_event: 'bf.none',
          steps: [step(onAllowed, 'gone', { request_params: { k: '{{credentials.bf_deleted}}' } })],
        })
      ).body;
      expect((await api().request('DELETE', `/api/v1/chains/${deleted.id}`, { token: analyst.token })).status).toBe(
        204,
      );
      // Another tenant's credential of the same name, used by none of its steps.
      const globex = (await api().seedTenant('globex')).id;
      await api().sql(
        `INSERT INTO credentials (id, tenant_id, name, value_sealed, allowed_hosts) VALUES ($1, $2, 'bf_used', 'sealed', '{x.example}')`,
        [randomUUID(), globex],
      );
      // The migration itself, down (the column goes) and up again: DDL as the owner, every other statement (the
      // backfill) as the runtime role, which is subject to row-level security like an owner without BYPASSRLS (FORCE).
      const migration = API_MIGRATIONS.find((m) => m.name === 'CredentialAllowedHosts1764410000000');
      expect(migration).toBeDefined();
      const owner = new Client({ connectionString: stack.db.url });
      const runtime = new Client({ connectionString: resolveDatabaseUrls(testConfig(stack.db.url)).runtimeUrl });
      await owner.connect();
      await runtime.connect();
      try {
        const [{ bypass }] = (
          await runtime.query(`SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user`)
        ).rows;
        expect(bypass).toBe(false);
        const split = {
          query: async (sql: string, params?: unknown[]) =>
            (await (/^\s*ALTER TABLE/.test(sql) ? owner : runtime).query(sql, params)).rows,
        } as unknown as QueryRunner;
        const instance = new migration!();
        await instance.down(split);
        await runtime.query('BEGIN');
        await instance.up(split);
        await runtime.query('COMMIT');
      } finally {
        await runtime.end();
        await owner.end();
      }

      const rows = await api().sql<{ tenant_id: string; name: string; allowed_hosts: string[] }>(
        `SELECT tenant_id, name, allowed_hosts FROM credentials WHERE name LIKE 'bf\\_%'`,
      );
      const hosts = (name: string, tenant = tenantId) =>
        rows.find((r) => r.name === name && r.tenant_id === tenant)?.allowed_hosts;
      expect(hosts('bf_used')).toEqual([hostOf(allowed), 'api.psp.example', 'api.psp.example:8443'].sort());
      expect(hosts('bf_spaced')).toEqual(['api.psp.example']);
      expect(hosts('bf_in_flight')).toEqual([hostOf(allowed)]);
      expect(hosts('bf_old')).toEqual([]);
      expect(hosts('bf_deleted')).toEqual([]);
      expect(hosts('bf_unused')).toEqual([]);
      expect(hosts('bf_used', globex)).toEqual([]);
    });
  });
});
