// The licence's quotas where tenants and users are created, on a fresh installation (the trial plan): 20 creations
// at once with one unit left give exactly one success, on the API; the operator's paths (OperatorService, the CLI) are
// refused alike. The numbers come from PLANS and the usage report, never from guesses.
import { PLANS } from '@conduit/licensing';
import { TestApi, startTestApi } from '../support/test-api';
import { startProcess } from '../support/processes';
import { TEST_MASTER_KEY } from '../support/test-config';

const PASSWORD = 'correct-horse-battery-staple';
const RACERS = 20;

describe('licence quotas', () => {
  let api: TestApi;
  let root: { token: string };

  beforeAll(async () => {
    api = await startTestApi();
    await api.seedTenant('root');
    root = await api.seedUser('root', 'platform_admin');
  });
  afterAll(() => api.close());

  async function standing(quota: string): Promise<{ quota: string; limit: number | null; usage: number }> {
    const res = await api.request('GET', '/api/v1/license/usage', { token: root.token });
    expect(res.status).toBe(200);
    return res.body.quotas.find((q: { quota: string }) => q.quota === quota);
  }

  const liveTenants = async () =>
    (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM tenants WHERE deleted_at IS NULL`))[0].n;
  const memberships = async () => (await api.sql<{ n: number }>(`SELECT count(*)::int AS n FROM memberships`))[0].n;

  it("reports the installation's usage against the trial plan", async () => {
    expect(await standing('tenants')).toEqual({ quota: 'tenants', limit: PLANS.trial.quotas.tenants, usage: 1 });
    expect(await standing('users')).toEqual({ quota: 'users', limit: PLANS.trial.quotas.users, usage: 1 });
    expect(await standing('integrations')).toEqual({
      quota: 'integrations',
      limit: PLANS.trial.quotas.integrations,
      usage: 0,
    });
  });

  it('gives exactly one of 20 simultaneous tenant creations the last unit, and 19 license_quota_exceeded', async () => {
    const limit = PLANS.trial.quotas.tenants as number;
    for (let i = (await standing('tenants')).usage; i < limit - 1; i += 1) await api.seedTenant(`filler-${i}`);
    expect(await standing('tenants')).toMatchObject({ usage: limit - 1 });

    const results = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        api.request('POST', '/api/v1/tenants', { token: root.token, body: { code: `racer-${i}`, name: `Racer ${i}` } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array<number>(RACERS - 1).fill(403)]);
    for (const refused of results.filter((r) => r.status === 403)) {
      expect(refused.body.error.code).toBe('license_quota_exceeded');
      expect(refused.body.error.details).toEqual([
        expect.objectContaining({ quota: 'tenants', limit, usage: limit, bound: 'installation', tenant_id: null }),
      ]);
    }
    expect(await liveTenants()).toBe(limit);
    expect(await api.sql(`SELECT code FROM tenants WHERE code LIKE 'racer-%'`)).toHaveLength(1);
    expect(await standing('tenants')).toMatchObject({ usage: limit });
  });

  it('refuses the operator paths too, writing nothing (OperatorService and the CLI)', async () => {
    await expect(api.operator.createTenant({ code: 'one-more', name: 'One more' })).rejects.toMatchObject({
      code: 'license_quota_exceeded',
    });
    const proc = startProcess(
      'npm',
      ['run', '--silent', 'cli', '--', 'tenant:create', '--code', 'cli-more', '--name', 'x'],
      {
        CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
        LOG_LEVEL: 'error',
        DATABASE_URL: api.db.url,
      },
    );
    expect(await proc.waitForExit(60_000)).toBe(1);
    expect(proc.output()).toContain('license_quota_exceeded');
    expect(await api.sql(`SELECT code FROM tenants WHERE code IN ('one-more', 'cli-more')`)).toEqual([]);
    expect(await liveTenants()).toBe(PLANS.trial.quotas.tenants);
  });

  it('frees a unit when a tenant is deleted', async () => {
    const [racer] = await api.sql<{ id: string }>(`SELECT id FROM tenants WHERE code LIKE 'racer-%'`);
    expect((await api.request('DELETE', `/api/v1/tenants/${racer.id}`, { token: root.token })).status).toBe(204);
    const again = await api.request('POST', '/api/v1/tenants', {
      token: root.token,
      body: { code: 'after', name: 'A' },
    });
    expect(again.status).toBe(201);
  });

  it('gives exactly one of 20 simultaneous user creations the last unit, and 19 license_quota_exceeded', async () => {
    const limit = PLANS.trial.quotas.users as number;
    for (let i = (await standing('users')).usage; i < limit - 1; i += 1)
      await api.operator.createUser({
        email: `filler-${i}@root.test`,
        password: PASSWORD,
        tenantCode: 'root',
        role: 'viewer',
      });
    expect(await standing('users')).toMatchObject({ usage: limit - 1 });

    const results = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        api.request('POST', '/api/v1/users', {
          token: root.token,
          body: { email: `racer-${i}@root.test`, password: PASSWORD, role: 'viewer' },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array<number>(RACERS - 1).fill(403)]);
    for (const refused of results.filter((r) => r.status === 403)) {
      expect(refused.body.error.code).toBe('license_quota_exceeded');
      expect(refused.body.error.details).toEqual([
        expect.objectContaining({ quota: 'users', limit, usage: limit, bound: 'installation' }),
      ]);
    }
    expect(await memberships()).toBe(limit);
    // A refused creation leaves no user behind either (the user row and its membership are one transaction).
    expect(await api.sql(`SELECT email FROM users WHERE email LIKE 'racer-%'`)).toHaveLength(1);
    await expect(
      api.operator.createUser({ email: 'late@root.test', password: PASSWORD, tenantCode: 'root', role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'license_quota_exceeded' });
    expect(await memberships()).toBe(limit);
  });

  it('audits a refused creation', async () => {
    const rows = await api.sql<{ outcome: string; status_code: number }>(
      `SELECT outcome, status_code FROM audit_events WHERE action = 'user.create' AND status_code = 403`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(RACERS - 1);
  });
});
