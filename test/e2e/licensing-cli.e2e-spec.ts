// The vendor's tool and the operator's commands: a key pair made by license:keygen, claims signed by license:sign, the
// licence installed by license:install on a suite database and in force on the running API, read back by
// license:status. The first keygen runs as the real CLI (`npm run cli`) on a machine with no configuration at all;
// the other commands run in this process (the same option and command tables; a spawned CLI spends seconds loading).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LicenseState } from '@conduit/licensing';
import type { ConduitConfig } from '@conduit/platform';
import { runCliInProcess } from '../support/cli-in-process';
import { startProcess } from '../support/processes';
import { TestApi, startTestApi } from '../support/test-api';
import { testConfig } from '../support/test-config';
import { waitFor } from '../support/test-worker';

/** The real CLI, with no configuration at all: the vendor's machine has no database and no Conduit. */
async function spawnedOffline(dir: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = startProcess('npm', ['run', '--silent', 'cli', '--', ...args], {
    DATABASE_URL: '',
    CONDUIT_MASTER_KEY: '',
    CONDUIT_DATA_DIR: join(dir, 'no-data'),
    LOG_LEVEL: 'error',
  });
  const code = await proc.waitForExit(60_000);
  return { code, out: proc.output() };
}

const lastLine = (out: string) => out.trim().split('\n').pop() as string;

describe('licence commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-license-'));
  let api: TestApi;
  let publicKeys: string;
  /** The operator's, on the installation's database. */
  let config: ConduitConfig;
  /** The vendor's tool in this process: it takes no configuration at all. */
  const vendor = (command: string, ...args: string[]) => runCliInProcess(null, command, ...args);
  const operator = (command: string, ...args: string[]) => runCliInProcess(config, command, ...args);

  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a key pair: the private JWK to a file of its own (never overwritten), the public set to stdout', async () => {
    const keyFile = join(dir, 'vendor.jwk');
    const made = await spawnedOffline(dir, 'license:keygen', '--out', keyFile, '--kid', 'vendor-test-2026');
    expect(made.code, made.out).toBe(0);
    publicKeys = lastLine(made.out);
    const set = JSON.parse(publicKeys) as { keys: Record<string, string>[] };
    expect(set.keys).toEqual([
      {
        kty: 'OKP',
        crv: 'Ed25519',
        x: expect.stringMatching(/^[\w-]{43}$/),
        kid: 'vendor-test-2026',
        alg: 'EdDSA',
        use: 'sig',
      },
    ]);
    expect(made.out).not.toMatch(/"d"/);
    const privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, string>;
    expect(privateJwk).toMatchObject({
      kid: 'vendor-test-2026',
      x: set.keys[0].x,
      d: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const again = await vendor('license:keygen', '--out', keyFile);
    expect(again.code).toBe(2);
    expect(again.out).toMatch(/exists already/);
    expect(JSON.parse(readFileSync(keyFile, 'utf8'))).toEqual(privateJwk);
    expect((await vendor('license:keygen')).out).toMatch(/missing --out/);
  }, 120_000);

  it('signs claims, refusing claims that would not install, then installs and reports the licence', async () => {
    const keyFile = join(dir, 'vendor.jwk');
    const claimsFile = join(dir, 'acme.json');
    const exp = new Date(Date.now() + 200 * 86400_000);
    writeFileSync(
      claimsFile,
      JSON.stringify({
        jti: 'lic-cli-1',
        sub: 'Acme via CLI',
        type: 'enterprise',
        exp: exp.toISOString(),
        grace_days: 7,
        quotas: { tenants: 5, users: 50, integrations: 10, instances: 10, events_per_month: null },
        features: ['mssp', 'case_ingestion'],
      }),
    );
    const signed = await vendor('license:sign', '--claims', claimsFile, '--key', keyFile);
    expect(signed.code, signed.out).toBe(0);
    const licence = lastLine(signed.out);
    expect(licence).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const header = JSON.parse(Buffer.from(licence.split('.')[0], 'base64url').toString()) as Record<string, string>;
    expect(header).toMatchObject({ alg: 'EdDSA', kid: 'vendor-test-2026' });
    const payload = JSON.parse(Buffer.from(licence.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ jti: 'lic-cli-1', exp: Math.floor(exp.getTime() / 1000) });
    expect(payload.iat).toEqual(payload.nbf);

    const badClaims = join(dir, 'bad.json');
    writeFileSync(
      badClaims,
      JSON.stringify({ sub: 'x', type: 'enterprise', exp: exp.toISOString(), features: ['warp'] }),
    );
    const refused = await vendor('license:sign', '--claims', badClaims, '--key', keyFile);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/^license_malformed: /m);
    expect(refused.out).toMatch(/features\[0\]: unknown feature "warp"/);
    expect(refused.out).toMatch(/quotas: /);
    const publicOnly = join(dir, 'public.jwk');
    writeFileSync(publicOnly, JSON.stringify(JSON.parse(publicKeys).keys[0]));
    expect((await vendor('license:sign', '--claims', claimsFile, '--key', publicOnly)).out).toMatch(
      /not an Ed25519 private key/,
    );

    // An installation that trusts the key: the API, and the operator's CLI on its database.
    api = await startTestApi({ CONDUIT_LICENSE_PUBLIC_KEYS: publicKeys });
    const platform = await api.seedTenant('platform');
    config = testConfig(api.db.url, { CONDUIT_LICENSE_PUBLIC_KEYS: publicKeys });
    const licenceFile = join(dir, 'acme.license');
    writeFileSync(licenceFile, `${licence}\n`);
    const installed = await operator('license:install', '--file', licenceFile);
    expect(installed.code, installed.out).toBe(0);
    expect(JSON.parse(lastLine(installed.out))).toMatchObject({
      plan: 'enterprise',
      standing: 'active',
      license_id: 'lic-cli-1',
      licensee: 'Acme via CLI',
      key_id: 'vendor-test-2026',
      installed_by: 'cli',
    });
    // In force on the running API within 5 seconds; audited in the platform tenant as the operator.
    await waitFor(
      'the licence in force on the API',
      async () => api.app.get(LicenseState).current().plan === 'enterprise',
      5000,
    );
    const [audit] = await api.sql(
      `SELECT tenant_id, actor_type, actor_label, target_id, changes FROM audit_events WHERE action = 'license.install'`,
    );
    expect(audit).toMatchObject({
      tenant_id: platform.id,
      actor_type: 'system',
      actor_label: 'cli',
      target_id: 'lic-cli-1',
    });
    expect(JSON.stringify(audit.changes)).not.toContain(licence);

    const status = await operator('license:status');
    expect(status.code, status.out).toBe(0);
    expect(JSON.parse(lastLine(status.out))).toMatchObject({
      plan: 'enterprise',
      license_id: 'lic-cli-1',
      days_left: 200,
    });
  }, 180_000);

  it('refuses a licence the installation does not take, with its code, and changes nothing', async () => {
    const expiredClaims = join(dir, 'expired.json');
    writeFileSync(
      expiredClaims,
      JSON.stringify({
        jti: 'lic-cli-expired',
        sub: 'Acme',
        type: 'enterprise',
        iat: '2020-01-01T00:00:00Z',
        exp: '2021-01-01T00:00:00Z',
        grace_days: 0,
        quotas: { tenants: 1, users: 1, integrations: 1, instances: 1, events_per_month: 1 },
        features: [],
      }),
    );
    const signed = await vendor('license:sign', '--claims', expiredClaims, '--key', join(dir, 'vendor.jwk'));
    expect(signed.code, signed.out).toBe(0);
    const file = join(dir, 'expired.license');
    writeFileSync(file, lastLine(signed.out));
    const refused = await operator('license:install', '--file', file);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/license_expired/);
    const garbage = join(dir, 'garbage.license');
    writeFileSync(garbage, 'not a licence');
    expect((await operator('license:install', '--file', garbage)).out).toMatch(/license_malformed/);
    expect((await operator('license:install', '--file', join(dir, 'missing.license'))).code).toBe(2);
    expect(await api.sql('SELECT license_id, active FROM licenses')).toEqual([
      { license_id: 'lic-cli-1', active: true },
    ]);
  }, 120_000);
});
