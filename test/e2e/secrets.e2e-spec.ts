// SecretBox against a real database: per-tenant data keys under RLS, AAD binding, data-key and master-key rotation.
import { randomUUID } from 'node:crypto';
import { ModuleRef } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { Client } from 'pg';
import { DatabaseModule, runtimeRolePassword } from '@conduit/database';
import {
  Clock,
  ConduitConfig,
  ConfigModule,
  MasterKeyring,
  PlatformModule,
  TenantId,
  asTenantId,
} from '@conduit/platform';
import { SecretBox, SecretsModule } from '@conduit/secrets';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { TEST_MASTER_KEY, testConfig } from '../support/test-config';

const UNREADABLE = { code: 'secret_unreadable', status: 500 };
const SEALED_FORMAT = /^[0-9a-f-]{36}:v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

class ManualClock extends Clock {
  at = Date.now();
  override now(): Date {
    return new Date(this.at);
  }
}

interface KeyRow {
  id: string;
  wrapped_key: string;
  master_key_id: string;
  retired_at: Date | null;
}

describe('SecretBox', () => {
  let db: TestDatabase;
  let owner: Client;
  let config: ConduitConfig;
  const modules: TestingModule[] = [];

  async function startSecrets(cfg: ConduitConfig, clock?: Clock): Promise<TestingModule> {
    let builder = Test.createTestingModule({
      imports: [ConfigModule.forRoot(cfg), PlatformModule, DatabaseModule.forRoot(), SecretsModule],
    });
    if (clock) builder = builder.overrideProvider(Clock).useValue(clock);
    const ref = await builder.compile();
    await ref.init();
    modules.push(ref);
    return ref;
  }

  async function newTenant(): Promise<TenantId> {
    const id = asTenantId(randomUUID());
    await owner.query(`INSERT INTO tenants (id, code, name) VALUES ($1, $2, $2)`, [id, `sec-${id.slice(0, 8)}`]);
    return id;
  }

  async function keyRows(tenantId: string): Promise<KeyRow[]> {
    const { rows } = await owner.query<KeyRow>(
      `SELECT id, wrapped_key, master_key_id, retired_at FROM tenant_data_keys WHERE tenant_id = $1 ORDER BY created_at, id`,
      [tenantId],
    );
    return rows;
  }

  async function waitingInserts(): Promise<number> {
    const { rows } = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'tenant_data_keys'::regclass AND NOT granted`,
    );
    return rows[0].n;
  }

  let box: SecretBox;
  let tenantA: TenantId;
  let tenantB: TenantId;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Client({ connectionString: db.url });
    await owner.connect();
    config = testConfig(db.url);
    box = (await startSecrets(config)).get(SecretBox);
    tenantA = await newTenant();
    tenantB = await newTenant();
  });

  afterAll(async () => {
    for (const ref of modules) await ref.close();
    await owner?.end();
    await db?.drop();
  });

  it('round-trips values, and the sealed string carries the key id but not the plaintext', async () => {
    for (const plaintext of ['client_secret=s3cr3t-Ωmega', '']) {
      const sealed = await box.seal(tenantA, plaintext, 'instance:1/password');
      expect(sealed).toMatch(SEALED_FORMAT);
      if (plaintext) expect(sealed).not.toContain(plaintext);
      await expect(box.open(tenantA, sealed, 'instance:1/password')).resolves.toBe(plaintext);
    }
  });

  it('stores the data key only wrapped by the master key, one active key per tenant', async () => {
    const sealed = await box.seal(tenantA, 'wrapped-check');
    const rows = await keyRows(tenantA);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: sealed.split(':')[0], master_key_id: 'k1', retired_at: null });
    const dataKey = MasterKeyring.parse(TEST_MASTER_KEY).unwrapDataKey(rows[0].wrapped_key);
    expect(dataKey).toHaveLength(32);
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      expect(rows[0].wrapped_key).not.toContain(dataKey.toString(encoding));
      expect(sealed).not.toContain(dataKey.toString(encoding));
    }
  });

  it("does not open tenant A's value as tenant B, with the key cached or not", async () => {
    const sealed = await box.seal(tenantA, 'only-for-a');
    await box.seal(tenantB, 'b has a key too');
    await expect(box.open(tenantB, sealed)).rejects.toMatchObject(UNREADABLE);
    const ref = modules[0];
    // A new SecretBox, with an empty key cache.
    const cold = await ref.select(SecretsModule).get(ModuleRef, { strict: true }).create(SecretBox);
    await expect(cold.open(tenantB, sealed)).rejects.toMatchObject(UNREADABLE);
    await expect(cold.open(tenantA, sealed)).resolves.toBe('only-for-a');
  });

  it('needs the same aad to open', async () => {
    const sealed = await box.seal(tenantA, 'webhook-signing-secret', 'endpoint:7/signing_secret');
    await expect(box.open(tenantA, sealed, 'endpoint:8/signing_secret')).rejects.toMatchObject(UNREADABLE);
    await expect(box.open(tenantA, sealed)).rejects.toMatchObject(UNREADABLE);
    const withoutAad = await box.seal(tenantA, 'no-aad');
    await expect(box.open(tenantA, withoutAad, 'endpoint:7/signing_secret')).rejects.toMatchObject(UNREADABLE);
    await expect(box.open(tenantA, withoutAad, '')).rejects.toMatchObject(UNREADABLE);
  });

  it('reports tampered, malformed and unknown-key values as secret_unreadable', async () => {
    const sealed = await box.seal(tenantA, 'tamper-me');
    const [keyId, body] = sealed.split(':');
    const parts = body.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 0x01;
    parts[3] = flipped.toString('base64url');
    for (const bad of [
      `${keyId}:${parts.join('.')}`,
      `${randomUUID()}:${body}`,
      body,
      'not-a-uuid:v1.a.b.c',
      '',
      `${keyId}:`,
    ]) {
      await expect(box.open(tenantA, bad), bad).rejects.toMatchObject(UNREADABLE);
    }
  });

  it('rotateDataKey: new values use the new key, older values still open', async () => {
    const tenant = await newTenant();
    const before = await box.seal(tenant, 'sealed-before-rotation');
    const newKeyId = await box.rotateDataKey(tenant);
    const after = await box.seal(tenant, 'sealed-after-rotation');
    expect(before.split(':')[0]).not.toBe(newKeyId);
    expect(after.split(':')[0]).toBe(newKeyId);
    await expect(box.open(tenant, before)).resolves.toBe('sealed-before-rotation');
    await expect(box.open(tenant, after)).resolves.toBe('sealed-after-rotation');
    const rows = await keyRows(tenant);
    expect(rows.map((r) => [r.id, r.retired_at === null])).toEqual([
      [before.split(':')[0], false],
      [newKeyId, true],
    ]);
  });

  it("creates exactly one data key when a tenant's first seals race", async () => {
    const tenant = await newTenant();
    const racers = 8;
    // SHARE mode blocks INSERT but not SELECT: every seal looks, finds no key and waits to insert, so they truly race.
    await owner.query('BEGIN');
    await owner.query('LOCK TABLE tenant_data_keys IN SHARE MODE');
    const settled = Promise.allSettled(Array.from({ length: racers }, (_, i) => box.seal(tenant, `value-${i}`)));
    try {
      await waitUntil(async () => (await waitingInserts()) === racers);
    } finally {
      await owner.query('COMMIT');
    }
    const results = await settled;
    const sealed = results.map((r) => (r.status === 'fulfilled' ? r.value : `rejected: ${String(r.reason)}`));
    expect(new Set(sealed.map((s) => s.split(':')[0])).size).toBe(1);
    expect(await keyRows(tenant)).toHaveLength(1);
    await expect(Promise.all(sealed.map((s) => box.open(tenant, s)))).resolves.toEqual(
      sealed.map((_, i) => `value-${i}`),
    );
  });

  it('caches unwrapped keys for a few minutes only', async () => {
    const clock = new ManualClock();
    const timed = (await startSecrets(config, clock)).get(SecretBox);
    const tenant = await newTenant();
    const sealed = await timed.seal(tenant, 'cached');
    // With the row gone, only the cache can still open the value.
    await owner.query(`DELETE FROM tenant_data_keys WHERE tenant_id = $1`, [tenant]);
    clock.at += 60_000;
    await expect(timed.open(tenant, sealed)).resolves.toBe('cached');
    clock.at += 10 * 60_000;
    await expect(timed.open(tenant, sealed)).rejects.toMatchObject(UNREADABLE);
  });

  it('keeps opening values after the master key is rotated (k2 active, k1 kept)', async () => {
    const tenant = await newTenant();
    const underK1 = await box.seal(tenant, 'sealed-under-k1', 'field');
    // The runtime role's password is derived from the active master key, so pin it across the rotation.
    const rotated = testConfig(db.url, {
      CONDUIT_MASTER_KEY: `k2:${MasterKeyring.generate()},k1:${TEST_MASTER_KEY}`,
      DATABASE_RUNTIME_PASSWORD: runtimeRolePassword(config),
    });
    const boxK2 = (await startSecrets(rotated)).get(SecretBox);
    await expect(boxK2.open(tenant, underK1, 'field')).resolves.toBe('sealed-under-k1');

    const newKeyId = await boxK2.rotateDataKey(tenant);
    expect((await keyRows(tenant)).find((r) => r.id === newKeyId)?.master_key_id).toBe('k2');
    const underK2 = await boxK2.seal(tenant, 'sealed-under-k2');
    await expect(boxK2.open(tenant, underK2)).resolves.toBe('sealed-under-k2');
    // A process still configured with k1 only cannot unwrap the new data key.
    await expect(box.open(tenant, underK2)).rejects.toMatchObject(UNREADABLE);
  });
});
