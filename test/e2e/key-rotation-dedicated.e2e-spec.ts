// Retiring a master key with a dedicated-database tenant (docs/operations.md "Keys and rotation"): keys:status counts
// the sealed database URL under its master key, keys:rewrap re-wraps its data key (and the data keys in the tenant's
// own database, and those of its control-plane secrets in the core database), and after the old key is removed the
// API, restarted on the new key alone, still reaches the tenant's database. The URL (with a password the local cluster
// ignores) never appears in the CLI's output.
import { AddressInfo } from 'node:net';
import { Server, createServer } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiApp } from '@conduit/api/bootstrap';
import { openDatabaseUrl, runtimeRolePassword } from '@conduit/database';
import { MasterKeyring, TenantId } from '@conduit/platform';
import { runCliInProcess } from '../support/cli-in-process';
import { startProcess } from '../support/processes';
import { TestApi, startTestApi } from '../support/test-api';
import { TestIdp, startTestIdp } from '../support/saml-idp';
import { connectionFromIdp, createConnection } from '../support/saml-flow';
import { databaseUrl, dropDatabase, sqlIn, withAdminClient } from '../support/postgres-admin';
import { TEST_MASTER_KEY, testConfig } from '../support/test-config';
import { useLicenseTerms } from '../support/test-license';

const PASSWORD = 'correct-horse-battery-staple';
const URL_PASSWORD = 'Dedicated-Owner-Secret-77';
const K2 = MasterKeyring.generate();
/** TEST_MASTER_KEY alone is the keyring `k1`. */
const OLD_ONLY = TEST_MASTER_KEY;
const ROTATED = `k2:${K2},k1:${TEST_MASTER_KEY}`;
const NEW_ONLY = `k2:${K2}`;
const NO_QUOTAS = { tenants: null, users: null, integrations: null, instances: null, events_per_month: null };

describe('master key rotation with a dedicated-database tenant', () => {
  let api: TestApi;
  let restarted: TestApi | undefined;
  let runtimePassword: string;
  let dedicatedName: string;
  let dedi: { id: TenantId; code: string };
  let integrationId: string;
  let subscriptionId: string;
  let receiver: Server;
  let idp: TestIdp;
  /** Bodies of the messages the subscription's endpoint received. */
  const received: string[] = [];
  const outputs: string[] = [];

  const dedicatedSql = <R = Record<string, any>>(sql: string, params: unknown[] = []) =>
    sqlIn<R>(dedicatedName, sql, params);

  /**
   * An operator command with this master key: the first spawned as the real CLI (`npm run cli`), the others run in
   * this process (the same command table; a spawned CLI spends seconds loading). Its last line is JSON.
   */
  async function cli(masterKey: string, command: string): Promise<{ code: number | null; json: Record<string, any> }> {
    let code: number | null;
    let out: string;
    if (outputs.length === 0) {
      const proc = startProcess('npm', ['run', '--silent', 'cli', '--', command], {
        DATABASE_URL: api.db.url,
        CONDUIT_MASTER_KEY: masterKey,
        DATABASE_RUNTIME_PASSWORD: runtimePassword,
        LOG_LEVEL: 'error',
      });
      code = await proc.waitForExit(60_000);
      out = proc.output();
    } else {
      const config = testConfig(api.db.url, {
        CONDUIT_MASTER_KEY: masterKey,
        DATABASE_RUNTIME_PASSWORD: runtimePassword,
        LOG_LEVEL: 'error',
      });
      ({ code, out } = await runCliInProcess(config, command));
    }
    outputs.push(out);
    try {
      return { code, json: JSON.parse(out.trim().split('\n').pop() as string) as Record<string, any> };
    } catch {
      throw new Error(`cli ${command} printed no JSON (exit ${String(code)}):\n${out}`);
    }
  }

  const sealedUrl = async (): Promise<string> =>
    (await api.sql(`SELECT database_url_sealed FROM tenants WHERE id = $1`, [dedi.id]))[0].database_url_sealed;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    api = await startTestApi((db) => {
      // Pinned, as production must: otherwise the runtime role's password follows the active master key.
      runtimePassword = runtimeRolePassword(testConfig(db.url));
      return {
        CONDUIT_MASTER_KEY: OLD_ONLY,
        DATABASE_RUNTIME_PASSWORD: runtimePassword,
        DEDICATED_DATABASE_HOSTS: '127.0.0.1',
      };
    });
    dedicatedName = `${api.db.name}_ded`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${dedicatedName}"`));
    const url = new URL(databaseUrl(dedicatedName));
    url.password = URL_PASSWORD;
    await useLicenseTerms(api, { quotas: NO_QUOTAS });
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    const root = (await api.login('root@platform.test', PASSWORD)).access_token;
    dedi = await api.seedTenant('dedi');
    await api.seedTenant('shared');
    // Users before the switch, as in dedicated-tenants.e2e-spec.ts (the switch wants an empty tenant).
    const admin = await api.seedUser('dedi', 'tenant_admin');
    await api.seedUser('shared', 'tenant_admin');
    const switched = await api.request('PUT', `/api/v1/tenants/${dedi.id}/isolation`, {
      token: root,
      body: { isolation: 'dedicated', database_url: url.toString() },
    });
    expect(switched.status).toBe(200);

    // Data of the dedicated tenant in its database, a subscription's signing secret sealed under a data key there.
    const made = await api.request('POST', '/api/v1/integrations', { token: admin.token, body: { title: 'Kept' } });
    expect(made.status).toBe(201);
    integrationId = made.body.id;
    const subscription = await api.request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: { app_name: 'billing', target_url: hook, event_types: ['order.created'] },
    });
    expect(subscription.status).toBe(201);
    subscriptionId = subscription.body.id;
    // A control-plane secret (its SSO connection's SP key): sealed under a data key of the core database.
    idp = await startTestIdp();
    await createConnection(api, admin.token, connectionFromIdp(idp));
  }, 120_000);

  /** The master key ids of the dedicated tenant's data keys, in the core database and in its own. */
  const dediKeys = async () => ({
    core: (await api.sql(`SELECT master_key_id FROM tenant_data_keys WHERE tenant_id = $1`, [dedi.id])).map(
      (r) => r.master_key_id as string,
    ),
    own: (await dedicatedSql(`SELECT master_key_id FROM tenant_data_keys`)).map((r) => r.master_key_id as string),
  });

  afterAll(async () => {
    // Both share the suite database: the one still open drops it.
    if (restarted) await restarted.close();
    else await api?.close();
    if (dedicatedName) await withAdminClient((client) => dropDatabase(client, dedicatedName));
    await new Promise((resolve) => receiver?.close(resolve));
    await idp?.close();
  });

  it('keys:status counts the sealed database URL under k1, which therefore cannot be removed', async () => {
    expect(await sealedUrl()).toMatch(/^v1\.k1\./);
    const status = await cli(ROTATED, 'keys:status');
    expect(status.code).toBe(0);
    expect(status.json).toMatchObject({
      active_master_key_id: 'k2',
      database_urls_by_master_key: { k2: 0, k1: 1 },
      unknown_master_key_ids: [],
      removable_master_key_ids: [],
    });
    expect(status.json.awaiting_rewrap).toBe(status.json.data_keys_by_master_key.k1 + 1);
    // Every data key is counted, in both of the dedicated tenant's databases: k1 wraps them all.
    const keys = await dediKeys();
    expect(keys).toEqual({ core: ['k1'], own: ['k1'] });
    const [{ n: coreKeys }] = await api.sql(`SELECT count(*)::int AS n FROM tenant_data_keys`);
    expect(status.json.data_keys_by_master_key.k1).toBe(coreKeys + keys.own.length);
    // Without the re-wrap, k2 alone could not open the URL: the tenant's database would be out of reach.
    const sealed = await sealedUrl();
    expect(() => openDatabaseUrl(MasterKeyring.parse(NEW_ONLY), dedi.id, sealed)).toThrow(/not configured/);
  }, 120_000);

  it('keys:rewrap re-wraps the URL’s data key under k2 without changing the URL, and the data keys in its database', async () => {
    const before = await sealedUrl();
    const plainBefore = openDatabaseUrl(MasterKeyring.parse(OLD_ONLY), dedi.id, before);
    const run = await cli(ROTATED, 'keys:rewrap');
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ active_master_key_id: 'k2', database_urls: { rewrapped: 1, already_current: 0 } });
    expect(run.json.failures).toEqual([]);

    const after = await sealedUrl();
    expect(after).toMatch(/^v1\.k2\./);
    // Only the wrapping changed: the ciphertext of the URL is the same.
    expect(after.split(':')[1]).toBe(before.split(':')[1]);
    expect(openDatabaseUrl(MasterKeyring.parse(NEW_ONLY), dedi.id, after)).toBe(plainBefore);
    // The tenant's data keys live in the database of the rows they seal; they are re-wrapped in both.
    expect(await dediKeys()).toEqual({ core: ['k2'], own: ['k2'] });

    const again = await cli(ROTATED, 'keys:rewrap');
    expect(again.json).toMatchObject({ database_urls: { rewrapped: 0, already_current: 1 }, failures: [] });
    expect(await sealedUrl()).toBe(after);

    const status = await cli(ROTATED, 'keys:status');
    expect(status.json).toMatchObject({
      database_urls_by_master_key: { k2: 1, k1: 0 },
      awaiting_rewrap: 0,
      removable_master_key_ids: ['k1'],
    });
    const newOnly = await cli(NEW_ONLY, 'keys:status');
    expect(newOnly.code).toBe(0);
    expect(newOnly.json).toMatchObject({ database_urls_by_master_key: { k2: 1 }, unknown_master_key_ids: [] });
  }, 240_000);

  it('with k1 removed, the API reaches the dedicated tenant’s database as before', async () => {
    await api.app.close();
    const config = testConfig(api.db.url, {
      CONDUIT_MASTER_KEY: NEW_ONLY,
      DATABASE_RUNTIME_PASSWORD: runtimePassword,
      DEDICATED_DATABASE_HOSTS: '127.0.0.1',
    });
    const app: NestFastifyApplication = await createApiApp(config, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    restarted = new TestApi(app, config, api.db, `http://127.0.0.1:${port}`);

    const token = (await restarted.login('tenant_admin.dedi@example.test', PASSWORD)).access_token;
    const list = await restarted.request('GET', '/api/v1/integrations', { token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((i: { id: string; title: string }) => [i.id, i.title])).toEqual([
      [integrationId, 'Kept'],
    ]);
    const made = await restarted.request('POST', '/api/v1/integrations', { token, body: { title: 'After' } });
    expect(made.status).toBe(201);
    expect((await dedicatedSql(`SELECT title FROM integrations ORDER BY title`)).map((r) => r.title)).toEqual([
      'After',
      'Kept',
    ]);
    // The subscription's signing secret, sealed under a data key wrapped by k1 before, opens: a signed test message.
    const test = await restarted.request('POST', `/api/v1/subscriptions/${subscriptionId}/test`, { token, body: {} });
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ status: 'delivered' });
    expect(received).toHaveLength(1);
    // The shared tenant beside it, unchanged.
    const sharedToken = (await restarted.login('tenant_admin.shared@example.test', PASSWORD)).access_token;
    expect((await restarted.request('GET', '/api/v1/integrations', { token: sharedToken })).status).toBe(200);
  }, 120_000);

  it('never prints the database URL or key material', () => {
    expect(outputs.length).toBe(5);
    const all = outputs.join('\n');
    expect(all).not.toContain(URL_PASSWORD);
    expect(all).not.toContain(dedicatedName);
    expect(all).not.toContain(K2);
    expect(all).not.toContain(TEST_MASTER_KEY);
    expect(all).not.toMatch(/v1\.k[0-9]\./);
  });
});
