// The inbound source directory (docs/dedicated-tenants.md, "Routing of every domain"): a receive names its source by
// key or id before its tenant is known; one statement in the core database's directory says whose it is, and the source
// is then read in that tenant's database only. Two dedicated databases of the local cluster, each behind a proxy that
// records what reaches it: an unknown key reaches neither (404 at once, also while one is away), the away tenant's own
// source is 503, creation and deletion keep the directory right, the migration's backfill covers the core database's
// sources, and the repair (`migrate`, the worker's pass) puts back a dedicated source's lost entry and sweeps the
// entries naming no source, but not a young one nor an away database's.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { TenantDatabases, migrationsOf } from '@conduit/database';
import { IngestionModule, SourceDirectoryRepair, SourceResolver } from '@conduit/ingestion';
import { TestApi, startTestApi } from '../support/test-api';
import { ADMIN_URL, databaseUrl, dropDatabase, withAdminClient } from '../support/postgres-admin';
import { PgWireProxy } from '../support/pg-wire-proxy';
import { liftQuotas } from '../support/test-license';
import { runCliInProcess } from '../support/cli-in-process';

const PASSWORD = 'correct-horse-battery-staple';

describe('inbound source directory', () => {
  let api: TestApi;
  let root: string;
  const names: string[] = [];
  const proxies: PgWireProxy[] = [];
  const tenants: Record<string, { id: string; token: string; proxy?: PgWireProxy; database?: string }> = {};

  /** Makes a tenant dedicated on a new database of the local cluster, reached through a recording proxy. */
  async function dedicated(code: string): Promise<void> {
    const name = `${api.db.name}_${code}`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));
    names.push(name);
    const cluster = new URL(ADMIN_URL);
    const proxy = await PgWireProxy.start({ host: cluster.hostname, port: Number(cluster.port || 5432) });
    proxies.push(proxy);
    const url = new URL(databaseUrl(name));
    url.port = String(proxy.port);
    const switched = await api.request('PUT', `/api/v1/tenants/${tenants[code].id}/isolation`, {
      token: root,
      body: { isolation: 'dedicated', database_url: url.toString() },
    });
    expect(switched.status, switched.text).toBe(200);
    tenants[code].proxy = proxy;
    tenants[code].database = name;
  }

  beforeAll(async () => {
    api = await startTestApi({ DEDICATED_DATABASE_HOSTS: '127.0.0.1', DEDICATED_POOL_SIZE: '2' });
    await liftQuotas(api);
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = (await api.login('root@platform.test', PASSWORD)).access_token;
    for (const code of ['shared', 'ded', 'away']) {
      const tenant = await api.seedTenant(code);
      tenants[code] = { id: tenant.id, token: (await api.seedUser(code, 'tenant_admin')).token };
    }
    await dedicated('ded');
    await dedicated('away');
    await api.app.get(TenantDatabases).refresh();
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    for (const proxy of proxies) await proxy.close().catch(() => undefined);
    await withAdminClient(async (client) => {
      for (const name of names) await dropDatabase(client, name);
    });
  });

  const receive = (path: string) =>
    api.request('POST', path, { rawBody: '{"kind":"order.inbound"}', headers: { 'content-type': 'application/json' } });
  const outcome = (res: { status: number; body: any }) => ({ status: res.status, code: res.body?.error?.code });
  async function createSource(code: string, name: string, provider = 'none') {
    const res = await api.request('POST', '/api/v1/sources', {
      token: tenants[code].token,
      body: { name, provider, event_type_path: '$.kind' },
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; ingest_url: string; receive_url: string; secret: string | null };
  }
  const pathOf = (url: string) => new URL(url).pathname;
  const directory = (sourceId: string) =>
    api.sql(`SELECT tenant_id, source_key FROM inbound_source_directory WHERE source_id = $1`, [sourceId]);
  /** What reached a tenant's dedicated database meanwhile (round trips through its proxy). */
  async function reached(code: string, fn: () => Promise<void>): Promise<number> {
    const proxy = tenants[code].proxy!;
    await proxy.settled();
    const mark = proxy.mark();
    await fn();
    await proxy.settled();
    return proxy.since(mark).length;
  }

  it("finds a dedicated tenant's source by key and by id through the directory, read in its database only", async () => {
    const source = await createSource('ded', 'orders');
    const key = pathOf(source.ingest_url).split('/').pop();
    expect(await directory(source.id)).toEqual([{ tenant_id: tenants.ded.id, source_key: key }]);
    // The source row is in the dedicated database alone.
    expect(await api.sql(`SELECT id FROM inbound_sources WHERE id = $1`, [source.id])).toEqual([]);
    let byKey: { status: number } = { status: 0 };
    expect(
      await reached('ded', async () => {
        byKey = await receive(pathOf(source.ingest_url));
      }),
    ).toBeGreaterThan(0);
    expect(byKey.status).toBe(200);
    const byId = await receive(pathOf(source.receive_url));
    expect(byId.status, byId.text).toBe(202);
    // A shared tenant's source: its directory entry and the source read in the core database, no other database asked.
    const shared = await createSource('shared', 'shared-orders');
    expect(await directory(shared.id)).toEqual([
      { tenant_id: tenants.shared.id, source_key: pathOf(shared.ingest_url).split('/').pop() },
    ]);
    expect(
      await reached('ded', async () => {
        expect((await receive(pathOf(shared.ingest_url))).status).toBe(200);
        expect((await receive(pathOf(shared.receive_url))).status).toBe(202);
      }),
    ).toBe(0);
  });

  it('answers an unknown key or id 404 without asking a dedicated database, also while one is away', async () => {
    const awaySource = await createSource('away', 'away-orders');
    const unknownKey = `/api/v1/webhook/none/${randomBytes(24).toString('base64url')}`;
    const unknownId = `/api/webhooks/receive/${randomUUID()}`;
    const ded = await reached('ded', async () => {
      const away = await reached('away', async () => {
        expect(outcome(await receive(unknownKey))).toEqual({ status: 404, code: 'source_not_found' });
        expect(outcome(await receive(unknownId))).toEqual({ status: 404, code: 'source_not_found' });
      });
      expect(away).toBe(0);
    });
    expect(ded).toBe(0);

    // The away tenant's database stops: an unknown key is still 404 (no database might hold it), its own source 503.
    await tenants.away.proxy!.close();
    expect(outcome(await receive(`/api/v1/webhook/none/${randomBytes(24).toString('base64url')}`))).toEqual({
      status: 404,
      code: 'source_not_found',
    });
    expect(outcome(await receive(`/api/webhooks/receive/${randomUUID()}`))).toEqual({
      status: 404,
      code: 'source_not_found',
    });
    expect(outcome(await receive(pathOf(awaySource.ingest_url)))).toEqual({
      status: 503,
      code: 'tenant_database_unavailable',
    });
    expect(outcome(await receive(pathOf(awaySource.receive_url)))).toEqual({
      status: 503,
      code: 'tenant_database_unavailable',
    });
    // The other dedicated tenant's source is received meanwhile.
    const other = await createSource('ded', 'while-away');
    expect((await receive(pathOf(other.ingest_url))).status).toBe(200);
  });

  it('keeps the directory right through a secret rotation and a deletion', async () => {
    const source = await createSource('ded', 'rotated', 'api_key');
    const before = await directory(source.id);
    const rotated = await api.request('POST', `/api/v1/sources/${source.id}/rotate-secret`, {
      token: tenants.ded.token,
      body: { grace_seconds: 0 },
    });
    expect(rotated.status, rotated.text).toBeLessThan(300);
    expect(await directory(source.id)).toEqual(before);
    const received = await api.request('POST', pathOf(source.ingest_url), {
      rawBody: '{"kind":"order.inbound"}',
      headers: { 'content-type': 'application/json', 'x-api-key': rotated.body.secret },
    });
    expect(received.status, received.text).toBe(200);

    const deleted = await api.request('DELETE', `/api/v1/sources/${source.id}`, { token: tenants.ded.token });
    expect(deleted.status, deleted.text).toBe(204);
    expect(await directory(source.id)).toEqual([]);
    expect(outcome(await receive(pathOf(source.ingest_url)))).toEqual({ status: 404, code: 'source_not_found' });
    expect(outcome(await receive(pathOf(source.receive_url)))).toEqual({ status: 404, code: 'source_not_found' });
  });

  it('answers 404 for a directory entry whose source is not there (a creation that failed after its entry)', async () => {
    const id = randomUUID();
    const key = randomBytes(24).toString('base64url');
    await api.sql(`INSERT INTO inbound_source_directory (source_id, tenant_id, source_key) VALUES ($1, $2, $3)`, [
      id,
      tenants.ded.id,
      key,
    ]);
    expect(outcome(await receive(`/api/v1/webhook/none/${key}`))).toEqual({ status: 404, code: 'source_not_found' });
    expect(outcome(await receive(`/api/webhooks/receive/${id}`))).toEqual({ status: 404, code: 'source_not_found' });
  });

  it("backfills the directory from the core database's live sources (the migration)", async () => {
    const kept = await createSource('shared', 'kept');
    const gone = await createSource('shared', 'gone');
    expect((await api.request('DELETE', `/api/v1/sources/${gone.id}`, { token: tenants.shared.token })).status).toBe(
      204,
    );
    const client = new Client({ connectionString: api.db.url });
    await client.connect();
    try {
      const runner = { query: (sql: string) => client.query(sql) } as unknown as QueryRunner;
      await client.query('BEGIN');
      await client.query('DROP TABLE inbound_source_directory');
      const Backfill = migrationsOf([IngestionModule]).find((m) => m.name === 'InboundSourceDirectory1764917000000');
      await new Backfill!().up(runner);
      // As the migrator does after migrating: the runtime role's grants on the new table.
      const { rows } = await client.query<{ role: string }>(
        `SELECT DISTINCT grantee AS role FROM information_schema.role_table_grants
          WHERE table_name = 'inbound_sources' AND grantee <> current_user`,
      );
      for (const { role } of rows)
        await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON inbound_source_directory TO "${role}"`);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    const live = await api.sql(
      `SELECT id AS source_id, tenant_id, source_key FROM inbound_sources WHERE deleted_at IS NULL ORDER BY id`,
    );
    expect(live.map((r) => r.source_id)).toContain(kept.id);
    expect(
      await api.sql(`SELECT source_id, tenant_id, source_key FROM inbound_source_directory ORDER BY source_id`),
    ).toEqual(live);
    expect(await directory(gone.id)).toEqual([]);
    expect((await receive(pathOf(kept.receive_url))).status).toBe(202);
    // RLS forced again on both tables after the backfill.
    expect(
      await api.sql(
        `SELECT relname, relforcerowsecurity FROM pg_class WHERE relname IN ('inbound_sources', 'inbound_source_directory') ORDER BY 1`,
      ),
    ).toEqual([
      { relname: 'inbound_source_directory', relforcerowsecurity: true },
      { relname: 'inbound_sources', relforcerowsecurity: true },
    ]);
  });

  /** A dedicated database's rows, read as its owner. */
  async function inDedicated(code: string, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    const client = new Client({ connectionString: databaseUrl(tenants[code].database!) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  // After the away tenant's database stopped (above): migrate reports it, and the repair leaves its entries.
  it("puts back a dedicated source's lost entry when migrate runs: the sender's signed webhooks are received again", async () => {
    const secret = 'lost-entry-secret';
    const res = await api.request('POST', '/api/v1/sources', {
      token: tenants.ded.token,
      body: { name: 'restored', provider: 'github', secret },
    });
    expect(res.status, res.text).toBe(201);
    const source = res.body as { id: string; ingest_url: string };
    const entry = await directory(source.id);
    // What a dedicated database restored from a backup (or a source from before the directory) looks like.
    await api.sql(`DELETE FROM inbound_source_directory WHERE source_id = $1`, [source.id]);
    const payload = JSON.stringify({ action: 'opened', number: 7 });
    const signed = (delivery: string) =>
      api.request('POST', pathOf(source.ingest_url), {
        rawBody: payload,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`,
          'x-github-delivery': delivery,
          'x-github-event': 'pull_request',
        },
      });
    expect(outcome(await signed('lost-1'))).toEqual({ status: 404, code: 'source_not_found' });

    const migrated = await runCliInProcess(api.config, 'migrate');
    // This one, and those of ded's earlier sources the backfill test's re-created table lost.
    expect(migrated.out).toMatch(/source directory: [1-9]\d* entries added, 0 removed/);
    // The away tenant's database does not answer: migrate says so (exit 1) and its entries are left as they are.
    expect(migrated.out).toMatch(/tenant away .*failed: unreachable/);
    expect(migrated.out).toContain(`source directory: tenant ${tenants.away.id} left as it is`);
    expect(migrated.code).toBe(1);
    expect(await directory(source.id)).toEqual(entry);

    // The API process cached the 404 for INGEST_SOURCE_CACHE_SECONDS (the repair ran elsewhere): dropped at once here.
    api.app.get(SourceResolver).forget({ id: source.id, name: 'restored', source_key: entry[0].source_key as string });
    const received = await signed('lost-2');
    expect(received.status, received.text).toBe(200);
    expect(
      await inDedicated('ded', `SELECT delivery_id FROM inbound_events WHERE source_id = $1 AND id = $2`, [
        source.id,
        received.body.event_id,
      ]),
    ).toEqual([{ delivery_id: 'lost-2' }]);
    // Run again, it has nothing to do.
    expect(await api.app.get(SourceDirectoryRepair).repairDedicated()).toMatchObject({ added: 0, removed: 0 });
  }, 60_000);

  it("sweeps entries naming no source once they are an hour old, not a young one, nor an away database's", async () => {
    const entry = async (code: string, age: string) => {
      const id = randomUUID();
      await api.sql(
        `INSERT INTO inbound_source_directory (source_id, tenant_id, source_key, created_at)
         VALUES ($1, $2, $3, now() - $4::interval)`,
        [id, tenants[code].id, randomBytes(24).toString('base64url'), age],
      );
      return id;
    };
    const orphan = await entry('ded', '2 hours');
    // A creation in flight: its entry committed, its source not yet.
    const inFlight = await entry('ded', '1 minute');
    const justCreated = await createSource('ded', 'just-created');
    const awayOrphan = await entry('away', '2 hours');

    const result = await api.app.get(SourceDirectoryRepair).repairDedicated();
    expect(result).toMatchObject({ added: 0, removed: 1, skipped: [tenants.away.id] });
    expect(await directory(orphan)).toEqual([]);
    expect(await directory(inFlight)).toHaveLength(1);
    expect(await directory(justCreated.id)).toHaveLength(1);
    expect((await receive(pathOf(justCreated.receive_url))).status).toBe(202);
    // The away database may hold that source: its entry is kept.
    expect(await directory(awayOrphan)).toHaveLength(1);
  });

  it('sources:directory --repair runs the repair alone, exit 1 while a database is away', async () => {
    const repaired = await runCliInProcess(api.config, 'sources:directory', '--repair');
    expect(repaired.out).toMatch(/^source directory: 0 entries added, 0 removed \(\d+ tenants\)$/m);
    expect(repaired.out).toContain(`source directory: tenant ${tenants.away.id} left as it is`);
    expect(repaired.code).toBe(1);
    expect((await runCliInProcess(api.config, 'sources:directory')).code).toBe(2);
  });
});
