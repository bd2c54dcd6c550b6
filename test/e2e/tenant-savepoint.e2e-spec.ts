// TenantContext.savepoint against the real database: a failing block is undone alone and the transaction goes on,
// with the after-commit work and commit-time writes it registered dropped; a block that succeeds stays; savepoints
// nest; a statement that failed inside (aborting the transaction) is recovered from by the rollback.
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { TestApi, startTestApi } from '../support/test-api';

describe('TenantContext.savepoint', () => {
  let api: TestApi;
  let db: TenantContext;
  let acme: TenantId;

  beforeAll(async () => {
    api = await startTestApi();
    acme = (await api.seedTenant('acme')).id;
    db = api.app.get(TenantContext);
    await api.sql(`CREATE TABLE savepoint_probe (v text NOT NULL)`);
    await api.sql(`GRANT ALL ON savepoint_probe TO PUBLIC`);
  });
  afterAll(() => api.close());
  beforeEach(() => api.sql(`DELETE FROM savepoint_probe`));

  const insert = (v: string) => db.em.query(`INSERT INTO savepoint_probe (v) VALUES ($1)`, [v]);
  const values = async () => (await api.sql<{ v: string }>(`SELECT v FROM savepoint_probe ORDER BY v`)).map((r) => r.v);

  it('undoes a failing block alone, drops its after-commit and at-commit work, and keeps the rest', async () => {
    const ran: string[] = [];
    await db.runInTenant(acme, async () => {
      await insert('a-before');
      db.afterCommit(() => ran.push('outer'));
      await expect(
        db.savepoint(async () => {
          await insert('b-inside');
          db.afterCommit(() => ran.push('inner'));
          await db.atCommit(`INSERT INTO savepoint_probe (v) VALUES ($1)`, ['c-at-commit-inner']);
          throw new Error('inner failure');
        }),
      ).rejects.toThrow('inner failure');
      expect(await db.currentTenantId()).toBe(acme);
      await db.atCommit(`INSERT INTO savepoint_probe (v) VALUES ($1)`, ['d-at-commit-outer']);
      await insert('e-after');
    });
    expect(await values()).toEqual(['a-before', 'd-at-commit-outer', 'e-after']);
    expect(ran).toEqual(['outer']);
  });

  it('keeps a block that succeeds, with its after-commit work; nested savepoints roll back one level', async () => {
    const ran: string[] = [];
    await db.runInTenant(acme, async () => {
      await db.savepoint(async () => {
        await insert('kept');
        db.afterCommit(() => ran.push('kept'));
        await expect(
          db.savepoint(async () => {
            await insert('nested');
            throw new Error('nested failure');
          }),
        ).rejects.toThrow('nested failure');
      });
    });
    expect(await values()).toEqual(['kept']);
    expect(ran).toEqual(['kept']);
  });

  it('recovers from a statement that failed inside (the transaction was aborted)', async () => {
    await db.runInTenant(acme, async () => {
      await expect(
        db.savepoint(async () => {
          await insert('lost');
          // A constraint violation aborts the transaction until the rollback to the savepoint.
          await db.em.query(`INSERT INTO savepoint_probe (v) VALUES (NULL)`);
        }),
      ).rejects.toThrow();
      // A tenant change inside a failing block leaves the outer tenant set.
      await expect(
        db.savepoint(() =>
          db.runInTenant('00000000-0000-4000-8000-000000000000' as TenantId, async () => {
            await db.em.query(`SELECT 1/0`);
          }),
        ),
      ).rejects.toThrow();
      expect(await db.currentTenantId()).toBe(acme);
      await insert('after');
    });
    expect(await values()).toEqual(['after']);
  });

  it('needs a transaction', async () => {
    await expect(db.savepoint(async () => undefined)).rejects.toThrow('savepoint needs a transaction');
  });

  it('with nothing sent before it, begins the transaction with the tenant set', async () => {
    await db.runInTenant(acme, async () => {
      await db.savepoint(async () => expect(await db.currentTenantId()).toBe(acme));
    });
  });
});
