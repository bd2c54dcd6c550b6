// A licence installed through one API process is in force on every process of the installation within 5 seconds: a
// second API app and a worker on the same database, each following the control plane on its own timer
// (LICENSE_REFRESH_MS, 2 s by default).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiApp } from '@conduit/api/bootstrap';
import { LicenseState } from '@conduit/licensing';
import { createWorkerApp } from '@conduit/worker/bootstrap';
import { TestKey, claims, keySet, makeKey, sign } from '../support/licenses';
import { TestApi, startTestApi } from '../support/test-api';
import { testConfig } from '../support/test-config';

describe('licence propagation', () => {
  let first: TestApi;
  let second: NestFastifyApplication;
  let secondUrl: string;
  let worker: NestFastifyApplication;
  let key: TestKey;

  beforeAll(async () => {
    key = await makeKey('propagation');
    const keys = keySet(key);
    first = await startTestApi({ CONDUIT_LICENSE_PUBLIC_KEYS: keys });
    // The second API and the worker: other processes of the same installation (own pools, own Redis prefixes).
    second = await createApiApp(testConfig(first.db.url, { CONDUIT_LICENSE_PUBLIC_KEYS: keys }), { logger: false });
    await second.listen({ port: 0, host: '127.0.0.1' });
    const address = second.getHttpServer().address();
    secondUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    worker = await createWorkerApp(
      testConfig(first.db.url, { CONDUIT_LICENSE_PUBLIC_KEYS: keys, MIGRATE_ON_START: 'false' }),
      { logger: false, http: false },
    );
  });
  afterAll(async () => {
    await worker?.close();
    await second?.close();
    await first?.close();
  });

  it('is in force on a second API and on a worker within 5 seconds of its install on the first API', async () => {
    await first.seedTenant('platform');
    const admin = await first.seedUser('platform', 'platform_admin');
    const getOnSecond = async () => {
      const res = await fetch(`${secondUrl}/api/v1/license`, { headers: { authorization: `Bearer ${admin.token}` } });
      return (await res.json()) as { plan: string; license_id: string | null; installation_id: string };
    };
    const before = await getOnSecond();
    expect(before.plan).toBe('trial');
    // One installation: the same id on every process.
    expect(before.installation_id).toBe(
      (await first.request('GET', '/api/v1/license', { token: admin.token })).body.installation_id,
    );
    expect(worker.get(LicenseState).current().plan).toBe('trial');

    const license = await sign(key, claims(new Date(), 90, { jti: 'lic-everywhere' }));
    const res = await first.request('PUT', '/api/v1/license', { token: admin.token, body: { license } });
    expect(res.status, res.text).toBe(200);
    const installedAt = performance.now();
    // In force on the installing process at once.
    expect(first.app.get(LicenseState).current()).toMatchObject({ plan: 'enterprise' });

    let secondAt: number | undefined;
    let workerAt: number | undefined;
    while ((secondAt === undefined || workerAt === undefined) && performance.now() - installedAt < 10_000) {
      if (secondAt === undefined && (await getOnSecond()).license_id === 'lic-everywhere') secondAt = performance.now();
      if (workerAt === undefined && worker.get(LicenseState).current().license?.jti === 'lic-everywhere') {
        workerAt = performance.now();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(secondAt, 'in force on the second API').toBeDefined();
    expect(workerAt, 'in force on the worker').toBeDefined();
    expect(secondAt! - installedAt).toBeLessThan(5000);
    expect(workerAt! - installedAt).toBeLessThan(5000);
    expect(second.get(LicenseState).current()).toMatchObject({ plan: 'enterprise', standing: 'active' });
  });
});
