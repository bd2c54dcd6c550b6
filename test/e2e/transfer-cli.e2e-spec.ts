// The operator's backup and restore (issue 20 point 5): `npm run cli -- export` writes a tenant's whole configuration
// (no secret in it) to a file; `import` refuses a tampered file writing nothing, answers a dry run writing nothing,
// restores into an empty tenant (audited as the operator), and exporting the restored tenant gives the same document
// but for exported_at, source and checksum. The first export runs as the real CLI (its exit code, its report on
// stderr, the file it writes); the other commands run in this process (the same option and command tables; a spawned
// CLI spends seconds loading).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentChecksum } from '@conduit/transfer';
import { runCliInProcess } from '../support/cli-in-process';
import { startProcess } from '../support/processes';
import { TestApi, startTestApi } from '../support/test-api';
import { TEST_MASTER_KEY } from '../support/test-config';

type Json = Record<string, any>;
const SECRET = 'restoresecret-Kd8Pq2Wm5Zx7';

describe('transfer commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-transfer-'));
  let api: TestApi;
  let restoreId: string;

  const spawned = async (...args: string[]) => {
    const proc = startProcess('npm', ['run', '--silent', 'cli', '--', ...args], {
      DATABASE_URL: api.db.url,
      CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
      REDIS_PREFIX: api.config.REDIS_PREFIX,
      LOG_LEVEL: 'error',
    });
    const code = await proc.waitForExit(90_000);
    return { code, out: proc.output() };
  };
  /** In this process, with the API's configuration: its database and its Redis prefix. */
  const cli = (command: string, ...args: string[]) => runCliInProcess(api.config, command, ...args);
  const count = async (table: string, tenantId: string) =>
    Number((await api.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [tenantId]))[0].n);

  beforeAll(async () => {
    api = await startTestApi();
    await api.seedTenant('acme');
    restoreId = (await api.seedTenant('restore')).id;
    const admin = await api.seedUser('acme', 'tenant_admin');
    const post = async (path: string, body: unknown) => {
      const res = await api.request('POST', path, { token: admin.token, body });
      expect(res.status, res.text).toBe(201);
      return res.body as Json;
    };
    const integration = await post('/api/v1/integrations', {
      title: 'Ticketing',
      fields: [{ name: 'api_token', type: 'secret', required: true }],
    });
    await post(`/api/v1/integrations/${integration.id}/tasks`, {
      name: 'Open ticket',
      task_tag: 'open_ticket',
      request: { method: 'POST', path: '/tickets', body: { title: '{{input.title}}' } },
      input_fields: [{ name: 'title', label: 'Title', type: 'text', required: true }],
    });
    await post('/api/v1/instances', {
      integration_uuid: integration.id,
      title: 'Ticketing prod',
      base_url: 'https://tickets.example.test',
      fields: { api_token: SECRET },
    });
    await post('/api/v1/subscriptions', {
      app_name: 'soc',
      target_url: 'https://hooks.example.test/soc',
      event_types: ['case.*'],
    });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs a tenant up to a file and restores it into an empty tenant', { timeout: 300_000 }, async () => {
    const file = join(dir, 'acme.json');
    const exported = await spawned('export', '--tenant', 'acme', '--out', file);
    expect(exported.code, exported.out).toBe(0);
    expect(exported.out).toMatch(/exported acme: 1 integrations, 1 tasks, 1 instances/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(SECRET);
    const document = JSON.parse(text) as Json;
    expect(document).toMatchObject({ format: 'conduit.export', source: { tenant_code: 'acme' } });
    expect(document.checksum.value).toBe(documentChecksum(document));

    // A tampered file: refused by the import's guard, exit 1, nothing written.
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, text.replace('"Open ticket"', '"Open tickets"'));
    const refused = await cli('import', '--tenant', 'restore', '--file', tampered);
    expect(refused.code, refused.out).toBe(1);
    expect(refused.out).toMatch(/checksum_mismatch/);
    expect(await count('integrations', restoreId)).toBe(0);

    const dry = await cli('import', '--tenant', 'restore', '--file', file, '--dry-run');
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toMatch(/dry run: nothing written\): completed/);
    expect(await count('integrations', restoreId)).toBe(0);

    const restored = await cli('import', '--tenant', 'restore', '--file', file);
    expect(restored.code, restored.out).toBe(0);
    expect(restored.out).toMatch(/completed; \d+ created/);
    expect(await count('integrations', restoreId)).toBe(1);
    expect(await count('tasks', restoreId)).toBe(1);
    const [audit] = await api.sql<Json>(
      `SELECT actor_type, actor_label, changes FROM audit_events
        WHERE tenant_id = $1 AND action = 'transfer.import' AND changes->>'dry_run' = 'false'`,
      [restoreId],
    );
    expect(audit).toMatchObject({ actor_type: 'system', actor_label: 'operator (cli)' });
    expect(JSON.stringify(audit.changes)).not.toContain('Open ticket');

    // A backup holds no secret: the restored instance waits, inactive, for the secrets the report names.
    expect(restored.out).toMatch(/"needs_secrets": \[\s*\{[^\]]*"fields\.api_token"/);
    const restorer = await api.seedUser('restore', 'tenant_admin');
    const [instance] = await api.sql<{ id: string; status: string }>(
      `SELECT id, status FROM integration_instances WHERE tenant_id = $1`,
      [restoreId],
    );
    expect(instance.status).toBe('inactive');
    const given = await api.request('PATCH', `/api/v1/instances/${instance.id}`, {
      token: restorer.token,
      body: { fields: { api_token: SECRET }, status: 'active' },
    });
    expect(given.status, given.text).toBe(200);

    const again = await cli('export', '--tenant', 'restore');
    expect(again.code, again.out).toBe(0);
    const second = JSON.parse(again.out.slice(again.out.indexOf('{'))) as Json;
    const content = ({ exported_at: _e, source: _s, checksum: _c, ...rest }: Json) => rest;
    expect(content(second)).toEqual(content(document));
  });

  it('refuses an unknown tenant and missing options as usage errors', { timeout: 120_000 }, async () => {
    const unknown = await cli('export', '--tenant', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.out).toMatch(/no tenant nope/);
    const missing = await cli('import', '--tenant', 'acme');
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/missing --file/);
  });
});
