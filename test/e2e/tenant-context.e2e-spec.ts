// TenantContext against the real database: nested tenant scopes set, skip and restore the transaction's settings.
import { TenantContext } from '@conduit/database';
import { TestApi, startTestApi } from '../support/test-api';

describe('TenantContext nesting', () => {
  let api: TestApi;
  let db: TenantContext;
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    api = await startTestApi();
    acme = (await api.seedTenant('acme')).id;
    globex = (await api.seedTenant('globex')).id;
    db = api.app.get(TenantContext);
  });
  afterAll(() => api.close());

  it('scopes a nested block to its tenant and restores the outer tenant after it, at any depth', async () => {
    await db.runInTenant(acme, async () => {
      expect(await db.currentTenantId()).toBe(acme);
      await db.runInTenant(globex, async () => {
        expect(await db.currentTenantId()).toBe(globex);
        await db.runInTenant(acme, async () => expect(await db.currentTenantId()).toBe(acme));
        expect(await db.currentTenantId()).toBe(globex);
      });
      expect(await db.currentTenantId()).toBe(acme);
    });
    await db.transaction(async () => expect(await db.currentTenantId()).toBeNull());
  });

  it('restores the outer tenant when the nested block throws', async () => {
    await db.runInTenant(acme, async () => {
      await expect(db.runInTenant(globex, () => Promise.reject(new Error('inner failure')))).rejects.toThrow('inner failure');
      expect(await db.currentTenantId()).toBe(acme);
    });
  });

  it('costs no query when the nested tenant is the one already set', async () => {
    await db.runInTenant(acme, async () => {
      const query = vi.spyOn(db.em, 'query');
      try {
        await db.runInTenant(acme, async () => undefined);
        expect(query).not.toHaveBeenCalled();
      } finally {
        query.mockRestore();
      }
    });
  });

  it('runs a named prepared statement again and again, in and out of transactions', async () => {
    for (let i = 0; i < 4; i += 1) {
      await db.runInTenant(acme, async () => expect(await db.prepared('conduit_test_probe', 'SELECT $1::int + 1 AS n', [i])).toEqual([{ n: i + 1 }]));
    }
    expect(await db.prepared('conduit_test_probe', 'SELECT $1::int + 1 AS n', [41])).toEqual([{ n: 42 }]);
  });
});
