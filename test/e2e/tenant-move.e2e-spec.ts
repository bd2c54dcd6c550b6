// tenant:move (issue 21 point 5, docs/dedicated-tenants.md "Moving a tenant"): a shared tenant with an integration, a
// credential, a subscription, a chain with a run, and events with their deliveries, moved to a database of its own (a
// second database on the local cluster) and back, each time under a light write load (an event every ~50 ms, the
// worker delivering them; a 503 tenant_moving is retried as a sender would): nothing lost, every accepted event
// delivered once, the rows read from the new database, the old ones gone after --cleanup. Then `migrate --status` and
// `migrate` across the core and the dedicated database (point 6).
// The operator CLI (src/) has no @conduit alias: its commands are run here as src/cli.ts runs them.
import { runCliInProcess } from '../support/cli-in-process';
import { CONTROL_PLANE_TABLES, databaseUrl, dropDatabase, sqlIn, withAdminClient } from '../support/postgres-admin';
import { startProcess } from '../support/processes';
import { TEST_MASTER_KEY, testConfig } from '../support/test-config';
import { TEST_LICENSE_PUBLIC_KEYS, useLicenseTerms } from '../support/test-license';
import { TestStack, startTestStack } from '../support/test-stack';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const URL_PASSWORD = 'Move-Owner-Secret-77';
/** Tables the load does not write: their rows must be the same, checksum for checksum, on both sides. */
const QUIET_TABLES = [
  'integrations',
  'credentials',
  'webhook_subscriptions',
  'execution_chains',
  'execution_chain_steps',
];

describe('tenant:move', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let dedicatedName: string;
  let dedicatedUrl: string;
  let tenant: { id: string; code: string };
  let admin: { token: string };
  let root: { token: string };
  let integrationId: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    stack = await startTestStack({ config: { DEDICATED_DATABASE_HOSTS: '127.0.0.1', DEDICATED_POOL_IDLE_MS: '2000' } });
    dedicatedName = `${stack.db.name}_mv`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${dedicatedName}"`));
    const url = new URL(databaseUrl(dedicatedName));
    url.password = URL_PASSWORD;
    dedicatedUrl = url.toString();
    await useLicenseTerms(stack.api, {
      quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
    });
    await stack.api.operator.ensurePlatformAdmin('root@platform.test', 'correct-horse-battery-staple');
    root = { token: (await stack.api.login('root@platform.test', 'correct-horse-battery-staple')).access_token };
    tenant = await stack.api.seedTenant('mover');
    admin = await stack.api.seedUser('mover', 'tenant_admin');
    // Data in several domains.
    const made = async (path: string, body: unknown) => {
      const res = await stack.api.request('POST', path, { token: admin.token, body });
      expect(res.status, res.text).toBeLessThan(300);
      return res.body;
    };
    integrationId = (await made('/api/v1/integrations', { title: 'Moving app' })).id;
    await made('/api/v1/credentials', {
      name: 'move_key',
      value: 'k-1',
      allowed_hosts: [new URL(receiver.url()).host],
    });
    await made('/api/v1/subscriptions', {
      app_name: 'orders',
      target_url: receiver.url('/hook'),
      event_types: ['order.created'],
    });
    const step = await made('/api/v1/subscriptions', {
      app_name: 'chain-step',
      target_url: receiver.url('/chain'),
      event_types: ['chain.step'],
    });
    const chain = await made('/api/v1/chains', {
      name: 'mover-chain',
      trigger_event: 'mover.run',
      steps: [{ webhook_id: step.id, name: 'one', request_params: { run: '{{run.id}}' } }],
    });
    await made(`/api/v1/chains/${chain.id}/execute`, { trigger_data: { n: 1 } });
    await receiver.waitFor(1, '/chain', 15_000);
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
    if (dedicatedName) await withAdminClient((client) => dropDatabase(client, dedicatedName));
  });

  async function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
    const proc = startProcess(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', ...args], {
      DATABASE_URL: stack.db.url,
      CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
      CONDUIT_LICENSE_PUBLIC_KEYS: TEST_LICENSE_PUBLIC_KEYS,
      DEDICATED_DATABASE_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'error',
    });
    const code = await proc.waitForExit(40_000);
    return { code, out: proc.output() };
  }

  /** The same command run in this process (a spawned CLI takes seconds to load; the first move runs as one). */
  const cliHere = (command: string, ...args: string[]) =>
    runCliInProcess(testConfig(stack.db.url, { DEDICATED_DATABASE_HOSTS: '127.0.0.1' }), command, ...args);

  const inDatabase = sqlIn;

  /** Per tenant-data table: the tenant's row count and checksum in one database (as the owner). */
  async function snapshot(name: string): Promise<Record<string, { n: number; c: string | null }>> {
    const tables = (
      await inDatabase<{ name: string }>(
        name,
        `SELECT c.table_name AS name FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'`,
      )
    )
      .map((r) => r.name)
      .filter((t) => !CONTROL_PLANE_TABLES.test(t));
    const out: Record<string, { n: number; c: string | null }> = {};
    for (const t of tables) {
      const [row] = await inDatabase<{ n: number; c: string | null }>(
        name,
        `SELECT count(*)::int AS n, md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))) AS c FROM "${t}" x
          WHERE tenant_id = $1`,
        [tenant.id],
      );
      if (row.n > 0) out[t] = row;
    }
    return out;
  }

  /** Events published every ~50 ms until stopped; a 503 tenant_moving is retried (same payload) like a sender does. */
  function startLoad() {
    const accepted = new Map<number, string>();
    let moving503 = 0;
    let other: string[] = [];
    let stop = false;
    const done = (async () => {
      for (let seq = 1; !stop; seq++) {
        for (;;) {
          const res = await stack.api.request('POST', '/api/v1/events', {
            token: admin.token,
            body: { event_name: 'order.created', payload: { seq } },
          });
          if (res.status === 202) {
            accepted.set(seq, res.body.id);
            break;
          }
          if (res.status === 503 && res.body.error?.code === 'tenant_moving') {
            if (!res.headers.get('retry-after')) other.push('503 tenant_moving without Retry-After');
            moving503++;
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
          other.push(`${res.status} ${res.text}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    return {
      accepted,
      moving503: () => moving503,
      async stop() {
        stop = true;
        await done;
        const errors = other;
        other = [];
        return errors;
      },
    };
  }

  /** Every accepted event reached /hook exactly once (by its payload's seq). */
  async function expectDeliveredOnce(accepted: Map<number, string>, before: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    const seqs = () =>
      receiver
        .to('/hook')
        .map((r) => JSON.parse(r.body) as { payload?: { seq?: number }; data?: { seq?: number } })
        .map((b) => b.payload?.seq ?? b.data?.seq ?? Number(/"seq":(\d+)/.exec(JSON.stringify(b))?.[1]));
    for (;;) {
      const got = seqs().slice(before);
      if ([...accepted.keys()].every((s) => got.includes(s)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const got = seqs().slice(before);
    const counts = new Map<number, number>();
    for (const s of got) counts.set(s, (counts.get(s) ?? 0) + 1);
    expect([...accepted.keys()].filter((s) => counts.get(s) !== 1)).toEqual([]);
    expect(got.length).toBe(accepted.size);
  }

  it('refuses a bad URL, a host not in DEDICATED_DATABASE_HOSTS and a licence without dedicated_databases', async () => {
    const move = (url: string) =>
      cliHere('tenant:move', '--tenant', 'mover', '--to', 'dedicated', '--database-url', url);
    const bad = await move('mysql://owner@127.0.0.1/x');
    expect(bad).toMatchObject({ code: 1, out: expect.stringMatching(/invalid_database_url/) });
    const host = await move('postgres://owner:secret@db.elsewhere.test:5432/x');
    expect(host).toMatchObject({ code: 1, out: expect.stringMatching(/database_host_not_allowed/) });
    expect(host.out).not.toContain('secret');
    await useLicenseTerms(stack.api, {
      quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
      features: ['mssp', 'saml', 'export_import', 'case_ingestion'],
    });
    try {
      const unlicensed = await move(dedicatedUrl);
      expect(unlicensed).toMatchObject({ code: 1, out: expect.stringMatching(/license_feature_unavailable/) });
    } finally {
      await useLicenseTerms(stack.api, {
        quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
      });
    }
    const [row] = await stack.api.sql(
      `SELECT isolation, database_url_sealed, moving_since FROM tenants WHERE id = $1`,
      [tenant.id],
    );
    expect(row).toEqual({ isolation: 'shared', database_url_sealed: null, moving_since: null });
    const tables = await inDatabase(dedicatedName, `SELECT 1 FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables).toEqual([]);
  });

  it('moves the tenant to a dedicated database under load: verified, nothing lost, delivered once', async () => {
    const before = receiver.to('/hook').length;
    const load = startLoad();
    await new Promise((r) => setTimeout(r, 500));
    const moved = await cli('tenant:move', '--tenant', 'mover', '--to', 'dedicated', '--database-url', dedicatedUrl);
    await new Promise((r) => setTimeout(r, 300));
    const errors = await load.stop();
    expect(moved.code, moved.out).toBe(0);
    expect(errors).toEqual([]);
    expect(moved.out).not.toContain(URL_PASSWORD);
    // Progress per table on stderr, the outcome on stdout.
    expect(moved.out).toMatch(/copy webhook_events: \d+\/\d+ rows/);
    expect(moved.out).toMatch(/verified: every table matches/);
    const result = JSON.parse(/^\{"tenant".*$/m.exec(moved.out)?.[0] ?? '{}');
    expect(result).toMatchObject({
      tenant: 'mover',
      isolation: 'dedicated',
      database: `127.0.0.1:5432/${dedicatedName}`,
    });
    expect(load.moving503()).toBeGreaterThan(0);
    expect(load.accepted.size).toBeGreaterThan(5);

    const [row] = await stack.api.sql(`SELECT isolation, moving_since, left_database FROM tenants WHERE id = $1`, [
      tenant.id,
    ]);
    expect(row).toMatchObject({ isolation: 'dedicated', moving_since: null, left_database: 'core' });
    const core = await snapshot(stack.db.name);
    const dedicated = await snapshot(dedicatedName);
    for (const t of QUIET_TABLES) expect(dedicated[t], t).toEqual(core[t]);
    for (const t of Object.keys(core)) expect(dedicated[t]?.n ?? 0, t).toBeGreaterThanOrEqual(core[t].n);
    // Every accepted event is in the new database, and delivered exactly once.
    const ids = [...load.accepted.values()];
    const [{ n }] = await inDatabase<{ n: number }>(
      dedicatedName,
      `SELECT count(*)::int AS n FROM webhook_events WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    expect(n).toBe(ids.length);
    await expectDeliveredOnce(load.accepted, before);

    // The integrations quota counts the tenant's integration once, not also its row left in the core database.
    const usage = await stack.api.request('GET', '/api/v1/license/usage', { token: root.token });
    expect(usage.body.quotas.find((q: { quota: string }) => q.quota === 'integrations').usage).toBe(1);

    // Read from the new database: a change made there only is what the API answers.
    await inDatabase(dedicatedName, `UPDATE integrations SET title = 'Read from the dedicated one' WHERE id = $1`, [
      integrationId,
    ]);
    const read = await stack.api.request('GET', `/api/v1/integrations/${integrationId}`, { token: admin.token });
    expect(read.body.title).toBe('Read from the dedicated one');
  }, 60_000);

  it('refuses a cleanup mid-move and another move before the cleanup; cleanup deletes the old rows only', async () => {
    await stack.api.sql(`UPDATE tenants SET moving_since = now() WHERE id = $1`, [tenant.id]);
    try {
      const refused = await cliHere('tenant:move', '--tenant', 'mover', '--cleanup');
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/tenant_moving/);
    } finally {
      await stack.api.sql(`UPDATE tenants SET moving_since = NULL WHERE id = $1`, [tenant.id]);
    }
    const early = await cliHere('tenant:move', '--tenant', 'mover', '--to', 'shared');
    expect(early.code).toBe(1);
    expect(early.out).toMatch(/cleanup_required/);
    const kept = await snapshot(dedicatedName);
    const cleaned = await cliHere('tenant:move', '--tenant', 'mover', '--cleanup');
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(cleaned.out).toMatch(/deleted webhook_events: \d+ rows/);
    expect(await snapshot(stack.db.name)).toEqual({});
    expect(await snapshot(dedicatedName)).toEqual(kept);
    // The tenant's keys stay in the core database (control plane); its sign-in too.
    const list = await stack.api.request('GET', '/api/v1/integrations', { token: admin.token });
    expect(list.status).toBe(200);
  }, 60_000);

  it('migrate --status lists each database with its pending migrations; migrate applies them everywhere', async () => {
    const status = async () => {
      const res = await cliHere('migrate', '--status');
      expect(res.code, res.out).toBe(0);
      expect(res.out).not.toContain(URL_PASSWORD);
      return res.out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { database: string; tenant?: string; where: string; pending: string[] });
    };
    const first = await status();
    expect(first).toEqual([
      { database: 'core', where: `127.0.0.1:5432/${stack.db.name}`, up_to_date: true, pending: [] },
      {
        database: 'dedicated',
        tenant: 'mover',
        where: `127.0.0.1:5432/${dedicatedName}`,
        up_to_date: true,
        pending: [],
      },
    ]);
    // The dedicated database one migration behind: its row gone and its change reverted.
    await inDatabase(
      dedicatedName,
      `DELETE FROM schema_migrations WHERE name = 'TenantMoves1764910000000';
       ALTER TABLE tenants DROP COLUMN moving_since, DROP COLUMN left_database`,
    );
    const behind = await status();
    expect(behind[0].pending).toEqual([]);
    expect(behind[1]).toMatchObject({ tenant: 'mover', up_to_date: false, pending: ['TenantMoves1764910000000'] });
    const migrated = await cliHere('migrate');
    expect(migrated.code, migrated.out).toBe(0);
    expect(migrated.out).toMatch(/database is up to date/);
    expect(migrated.out).toMatch(/tenant mover \(127\.0\.0\.1:5432\/\S+\): applied TenantMoves1764910000000/);
    expect((await status())[1]).toMatchObject({ up_to_date: true, pending: [] });
    const columns = await inDatabase(
      dedicatedName,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'tenants' AND column_name = 'moving_since'`,
    );
    expect(columns).toHaveLength(1);
  }, 60_000);

  it('moves the tenant back to shared under load, then cleans up the dedicated database', async () => {
    // A source of the dedicated database without its directory entry (a restore, a source from before the directory):
    // the move checks the directory against the sources where they are now.
    const source = await stack.api.request('POST', '/api/v1/sources', {
      token: admin.token,
      body: { name: 'moving-source', provider: 'none' },
    });
    expect(source.status, source.text).toBe(201);
    await stack.api.sql(`DELETE FROM inbound_source_directory WHERE source_id = $1`, [source.body.id]);
    const before = receiver.to('/hook').length;
    const load = startLoad();
    await new Promise((r) => setTimeout(r, 500));
    const moved = await cliHere('tenant:move', '--tenant', 'mover', '--to', 'shared');
    await new Promise((r) => setTimeout(r, 300));
    const errors = await load.stop();
    expect(moved.code, moved.out).toBe(0);
    expect(errors).toEqual([]);
    expect(load.moving503()).toBeGreaterThan(0);
    const [row] = await stack.api.sql(
      `SELECT isolation, database_url_sealed, left_database IS NOT NULL AS left FROM tenants WHERE id = $1`,
      [tenant.id],
    );
    expect(row).toEqual({ isolation: 'shared', database_url_sealed: null, left: true });
    expect(moved.out).toMatch(/^source directory: 1 entries added, 0 removed \(1 tenants\)$/m);
    expect(
      await stack.api.sql(`SELECT tenant_id FROM inbound_source_directory WHERE source_id = $1`, [source.body.id]),
    ).toEqual([{ tenant_id: tenant.id }]);
    expect((await stack.api.request('POST', new URL(source.body.receive_url).pathname, { body: {} })).status).toBe(202);
    const core = await snapshot(stack.db.name);
    const dedicated = await snapshot(dedicatedName);
    for (const t of QUIET_TABLES) expect(core[t], t).toEqual(dedicated[t]);
    for (const t of Object.keys(dedicated)) expect(core[t]?.n ?? 0, t).toBeGreaterThanOrEqual(dedicated[t].n);
    const ids = [...load.accepted.values()];
    const [{ n }] = await stack.api.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_events WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    expect(n).toBe(ids.length);
    await expectDeliveredOnce(load.accepted, before);
    const read = await stack.api.request('GET', `/api/v1/integrations/${integrationId}`, { token: admin.token });
    expect(read.body.title).toBe('Read from the dedicated one');
    await stack.api.sql(`UPDATE integrations SET title = 'Read from the core one' WHERE id = $1`, [integrationId]);
    const again = await stack.api.request('GET', `/api/v1/integrations/${integrationId}`, { token: admin.token });
    expect(again.body.title).toBe('Read from the core one');

    const cleaned = await cliHere('tenant:move', '--tenant', 'mover', '--cleanup');
    expect(cleaned.code, cleaned.out).toBe(0);
    expect(await snapshot(dedicatedName)).toEqual({});
    expect(Object.keys(await snapshot(stack.db.name))).toEqual(Object.keys(core));
  }, 60_000);
});
