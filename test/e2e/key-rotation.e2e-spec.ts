// Retiring a master key: keys:status and keys:rewrap, and the re-wrap racing live readers. The commands run in this
// process (the CLI's own option and command tables; a spawned CLI spends seconds loading) but one: the keys:rewrap
// that leaves a data key behind runs as the real CLI (`npm run cli`), whose process must exit 1.
import { randomUUID } from 'node:crypto';
import { ModuleRef } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { Client } from 'pg';
import { AccessModule } from '@conduit/access';
import { DatabaseModule, runtimeRolePassword } from '@conduit/database';
import {
  ConduitConfig,
  ConfigModule,
  MasterKeyring,
  PlatformModule,
  TenantId,
  asTenantId,
  generateDataKey,
} from '@conduit/platform';
import { MasterKeyRotation, MasterKeyRotationModule, SecretBox, SecretsModule } from '@conduit/secrets';
import { runCliInProcess } from '../support/cli-in-process';
import { startProcess } from '../support/processes';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { TEST_MASTER_KEY, testConfig } from '../support/test-config';

const UNREADABLE = { code: 'secret_unreadable', status: 500 };
const K2 = MasterKeyring.generate();
const K0 = MasterKeyring.generate();
/** TEST_MASTER_KEY alone is the keyring `k1`. */
const OLD_ONLY = TEST_MASTER_KEY;
const ROTATED = `k2:${K2},k1:${TEST_MASTER_KEY}`;
const NEW_ONLY = `k2:${K2}`;

interface KeyRow {
  id: string;
  tenant_id: string;
  wrapped_key: string;
  master_key_id: string;
}

interface Sealed {
  tenant: TenantId;
  value: string;
  sealed: string;
}

describe('master key rotation (keys:status, keys:rewrap)', () => {
  let db: TestDatabase;
  let owner: Client;
  let runtimePassword: string;
  const modules: TestingModule[] = [];
  const moduleByKey = new Map<string, TestingModule>();
  const outputs: string[] = [];
  /** Everything that must never appear in the CLI's output. */
  const material = new Set<string>();

  function configFor(masterKey: string): ConduitConfig {
    // The runtime role's password is derived from the active master key unless pinned, as production must.
    return testConfig(db.url, { CONDUIT_MASTER_KEY: masterKey, DATABASE_RUNTIME_PASSWORD: runtimePassword });
  }

  async function start(masterKey: string, withRotation = false): Promise<TestingModule> {
    const imports = [
      ConfigModule.forRoot(configFor(masterKey)),
      PlatformModule,
      DatabaseModule.forRoot(),
      AccessModule,
      SecretsModule,
    ];
    const ref = await Test.createTestingModule({
      imports: withRotation ? [...imports, MasterKeyRotationModule] : imports,
    }).compile();
    await ref.init();
    modules.push(ref);
    if (!moduleByKey.has(masterKey)) moduleByKey.set(masterKey, ref);
    return ref;
  }

  /** A SecretBox with an empty cache, so opening really reads and unwraps the data key row. */
  async function coldBox(masterKey: string): Promise<SecretBox> {
    const ref = moduleByKey.get(masterKey) ?? (await start(masterKey));
    return ref.select(SecretsModule).get(ModuleRef, { strict: true }).create(SecretBox);
  }

  /** An operator command with this master key, in this process; spawned: as the real CLI. Its last line is JSON. */
  async function cli(
    masterKey: string,
    command: string,
    { spawned = false } = {},
  ): Promise<{ code: number | null; out: string; json: Record<string, any> }> {
    let code: number | null;
    let out: string;
    if (spawned) {
      const proc = startProcess('npm', ['run', '--silent', 'cli', '--', command], {
        DATABASE_URL: db.url,
        CONDUIT_MASTER_KEY: masterKey,
        DATABASE_RUNTIME_PASSWORD: runtimePassword,
        LOG_LEVEL: 'error',
      });
      code = await proc.waitForExit(60_000);
      out = proc.output();
    } else {
      ({ code, out } = await runCliInProcess(configFor(masterKey), command));
    }
    outputs.push(out);
    const last = out.trim().split('\n').pop() as string;
    try {
      return { code, out, json: JSON.parse(last) as Record<string, any> };
    } catch {
      throw new Error(`cli ${command} printed no JSON (exit ${String(code)}):\n${out}`);
    }
  }

  async function newTenant(deleted = false): Promise<TenantId> {
    const id = asTenantId(randomUUID());
    await owner.query(`INSERT INTO tenants (id, code, name, deleted_at) VALUES ($1, $2, $2, $3)`, [
      id,
      `rot-${id.slice(0, 8)}`,
      deleted ? new Date() : null,
    ]);
    return id;
  }

  async function keyRows(): Promise<KeyRow[]> {
    const { rows } = await owner.query<KeyRow>(
      `SELECT id, tenant_id, wrapped_key, master_key_id FROM tenant_data_keys ORDER BY id`,
    );
    return rows;
  }

  /** Remembers every data key (as all three encodings) and wrapping, to check no output ever shows one. */
  async function rememberMaterial(): Promise<Map<string, Buffer>> {
    const keyring = MasterKeyring.parse(`k2:${K2},k1:${TEST_MASTER_KEY},k0:${K0}`);
    const plain = new Map<string, Buffer>();
    for (const row of await keyRows()) {
      const key = keyring.unwrapDataKey(row.wrapped_key);
      plain.set(row.id, key);
      material.add(row.wrapped_key);
      for (const encoding of ['hex', 'base64', 'base64url'] as const) material.add(key.toString(encoding));
    }
    return plain;
  }

  async function expectAllOpen(masterKey: string, values: Sealed[]): Promise<void> {
    for (const { tenant, value, sealed } of values) {
      await expect((await coldBox(masterKey)).open(tenant, sealed, 'field'), value).resolves.toBe(value);
    }
  }

  const values: Sealed[] = [];
  let tenantA: TenantId;
  let tenantB: TenantId;
  let deletedTenant: TenantId;
  let tenantUnderK2: TenantId;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Client({ connectionString: db.url });
    await owner.connect();
    runtimePassword = runtimeRolePassword(testConfig(db.url));
    for (const secret of [TEST_MASTER_KEY, K2, K0]) {
      material.add(secret);
      material.add(Buffer.from(secret, 'base64').toString('base64url'));
      material.add(Buffer.from(secret, 'base64').toString('hex'));
    }

    // Before the rotation: only k1. Tenant A has a retired data key and an active one.
    const k1 = (await start(OLD_ONLY)).get(SecretBox);
    [tenantA, tenantB, deletedTenant] = [await newTenant(), await newTenant(), await newTenant(true)];
    const seal = async (box: SecretBox, tenant: TenantId, value: string) =>
      values.push({ tenant, value, sealed: await box.seal(tenant, value, 'field') });
    await seal(k1, tenantA, 'a-under-first-data-key');
    await k1.rotateDataKey(tenantA);
    await seal(k1, tenantA, 'a-under-second-data-key');
    await seal(k1, tenantB, 'b-secret');
    await seal(k1, deletedTenant, 'deleted-tenant-secret');

    // k2 prepended: new data keys are wrapped with k2, old ones still open.
    tenantUnderK2 = await newTenant();
    await seal((await start(ROTATED)).get(SecretBox), tenantUnderK2, 'created-after-rotation');
  });

  afterAll(async () => {
    for (const ref of modules) await ref.close();
    await owner?.end();
    await db?.drop();
  });

  it('keys:status counts data keys per master key id before the re-wrap', async () => {
    const status = await cli(ROTATED, 'keys:status');
    expect(status.code).toBe(0);
    expect(status.json).toEqual({
      active_master_key_id: 'k2',
      configured_master_key_ids: ['k2', 'k1'],
      tenants: 4,
      data_keys_by_master_key: { k2: 1, k1: 4 },
      database_urls_by_master_key: { k2: 0, k1: 0 },
      awaiting_rewrap: 4,
      unknown_master_key_ids: [],
      removable_master_key_ids: [],
    });
    // Without the re-wrap, dropping k1 would make every older secret unreadable.
    await expect((await coldBox(NEW_ONLY)).open(tenantA, values[0].sealed, 'field')).rejects.toMatchObject(UNREADABLE);
  }, 120_000);

  it('keys:rewrap re-wraps every old data key under k2, changing no data key, and audits each tenant', async () => {
    const before = await rememberMaterial();
    const run = await cli(ROTATED, 'keys:rewrap');
    expect(run.code).toBe(0);
    expect(run.json).toEqual({
      active_master_key_id: 'k2',
      tenants: 4,
      rewrapped: 4,
      already_current: 1,
      database_urls: { rewrapped: 0, already_current: 0 },
      failures: [],
    });

    const newOnly = MasterKeyring.parse(NEW_ONLY);
    for (const row of await keyRows()) {
      expect(row).toMatchObject({ master_key_id: 'k2', wrapped_key: expect.stringMatching(/^v1\.k2\./) });
      expect(newOnly.unwrapDataKey(row.wrapped_key).equals(before.get(row.id) as Buffer)).toBe(true);
    }
    await rememberMaterial();

    const { rows: audits } = await owner.query<{
      tenant_id: string;
      actor_type: string;
      actor_label: string;
      changes: unknown;
      metadata: { data_key_ids: string[] };
    }>(
      `SELECT tenant_id, actor_type, actor_label, changes, metadata FROM audit_events WHERE action = 'data_keys.rewrap'`,
    );
    expect(audits.map((a) => a.tenant_id).sort()).toEqual([tenantA, tenantB, deletedTenant].sort());
    const auditA = audits.find((a) => a.tenant_id === tenantA);
    expect(auditA).toMatchObject({
      actor_type: 'system',
      actor_label: 'cli',
      changes: { master_key_id: { from: ['k1'], to: 'k2' } },
    });
    expect(auditA?.metadata.data_key_ids).toHaveLength(2);
    expect(JSON.stringify(audits)).not.toContain('v1.');
  }, 120_000);

  it('secrets sealed under k1 open with k2 and k1, and with k2 alone once k1 is removed', async () => {
    await expectAllOpen(ROTATED, values);
    await expectAllOpen(NEW_ONLY, values);
  });

  it('a second keys:rewrap changes nothing, and keys:status shows k1 unused and removable', async () => {
    const rows = await keyRows();
    const again = await cli(ROTATED, 'keys:rewrap');
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ rewrapped: 0, already_current: 5, failures: [] });
    expect(await keyRows()).toEqual(rows);

    const rotated = await cli(ROTATED, 'keys:status');
    expect(rotated.json).toMatchObject({
      data_keys_by_master_key: { k2: 5, k1: 0 },
      awaiting_rewrap: 0,
      removable_master_key_ids: ['k1'],
    });
    const newOnly = await cli(NEW_ONLY, 'keys:status');
    expect(newOnly.code).toBe(0);
    expect(newOnly.json).toEqual({
      active_master_key_id: 'k2',
      configured_master_key_ids: ['k2'],
      tenants: 4,
      data_keys_by_master_key: { k2: 5 },
      database_urls_by_master_key: { k2: 0 },
      awaiting_rewrap: 0,
      unknown_master_key_ids: [],
      removable_master_key_ids: [],
    });
  }, 180_000);

  it('re-wraps in batches while readers keep opening, with cold and with cached keys', async () => {
    const tenant = await newTenant();
    const k1 = await coldBox(OLD_ONLY);
    const mine: Sealed[] = [];
    for (let i = 0; i < 7; i++) {
      mine.push({ tenant, value: `batched-${i}`, sealed: await k1.seal(tenant, `batched-${i}`, 'field') });
      await k1.rotateDataKey(tenant);
    }
    // A long-running process on k2+k1 with the data keys in its cache, as the API would be during the re-wrap.
    const warm = (await start(ROTATED, true)).get(SecretBox);
    for (const v of mine) await warm.open(v.tenant, v.sealed, 'field');

    let done = false;
    const reader = (async () => {
      let opened = 0;
      while (!done || opened === 0) {
        const v = mine[opened % mine.length];
        await expect((await coldBox(ROTATED)).open(v.tenant, v.sealed, 'field')).resolves.toBe(v.value);
        opened++;
      }
      return opened;
    })();
    const rotation = modules[modules.length - 1].get(MasterKeyRotation);
    const summary = await rotation.rewrap({ batch: 2 }).finally(() => (done = true));
    expect(await reader).toBeGreaterThan(0);
    // Seven seals, each followed by a data key rotation: eight data keys, the last one not used yet.
    expect(summary).toMatchObject({ rewrapped: 8, failures: [] });

    const { rows } = await owner.query<{ master_key_id: string }>(
      `SELECT master_key_id FROM tenant_data_keys WHERE tenant_id = $1`,
      [tenant],
    );
    expect(rows.map((r) => r.master_key_id)).toEqual(Array(8).fill('k2'));
    await expectAllOpen(NEW_ONLY, mine);
    for (const v of mine) await expect(warm.open(v.tenant, v.sealed, 'field')).resolves.toBe(v.value);
    // Two runs racing: each row is re-wrapped once; the loser counts it as already current.
    const older = await newTenant();
    for (let i = 0; i < 3; i++) await k1.seal(older, 'x').then(() => k1.rotateDataKey(older));
    const [r1, r2] = await Promise.all([rotation.rewrap({ batch: 1 }), rotation.rewrap({ batch: 1 })]);
    expect(r1.rewrapped + r2.rewrapped).toBe(4);
    expect(r1.failures.concat(r2.failures)).toEqual([]);
  }, 60_000);

  it('reports a data key under a master key id missing from the keyring, re-wraps the rest, and exits non-zero', async () => {
    const stray = randomUUID();
    const strayWrapped = MasterKeyring.parse(`k0:${K0}`).wrapDataKey(generateDataKey());
    await owner.query(
      `INSERT INTO tenant_data_keys (id, tenant_id, wrapped_key, master_key_id, retired_at) VALUES ($1, $2, $3, 'k0', now())`,
      [stray, tenantB, strayWrapped],
    );
    const late = await newTenant();
    const lateValue = {
      tenant: late,
      value: 'sealed-by-a-replica-still-on-k1',
      sealed: await (await coldBox(OLD_ONLY)).seal(late, 'sealed-by-a-replica-still-on-k1', 'field'),
    };
    await rememberMaterial();

    const status = await cli(ROTATED, 'keys:status');
    expect(status.code).toBe(1);
    expect(status.json).toMatchObject({
      data_keys_by_master_key: { k1: 1, k0: 1 },
      unknown_master_key_ids: ['k0'],
      awaiting_rewrap: 1,
    });

    // The real CLI: the exit code the command sets is the process's.
    const run = await cli(ROTATED, 'keys:rewrap', { spawned: true });
    expect(run.code).toBe(1);
    expect(run.json).toMatchObject({
      rewrapped: 1,
      failures: [{ tenant_id: tenantB, data_key_id: stray, master_key_id: 'k0', reason: 'master_key_not_configured' }],
    });
    await expectAllOpen(NEW_ONLY, [lateValue, ...values]);
    const { rows } = await owner.query(`SELECT wrapped_key, master_key_id FROM tenant_data_keys WHERE id = $1`, [
      stray,
    ]);
    expect(rows[0]).toEqual({ wrapped_key: strayWrapped, master_key_id: 'k0' });
  }, 180_000);

  it('never prints key material', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(7);
    const all = outputs.join('\n');
    for (const secret of material) expect(all.includes(secret), 'key material in CLI output').toBe(false);
    expect(all).not.toMatch(/v1\.k[0-9]\./);
  });
});
