// TenantContext against the real database: nested tenant scopes set, skip and restore the transaction's settings.
// TenantRoundTrip: one-message statements and per-connection prepared statements, tenant-scoped.
import { ClsService } from 'nestjs-cls';
import { AccessService } from '@conduit/access';
import { TenantContext, TenantRoundTrip, preparedStatement } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { EventsService } from '@conduit/webhooks';
import { TestApi, startTestApi } from '../support/test-api';

// One API and its two tenants for both describes: they write nothing but the one event the last test counts.
let api: TestApi;
let acme: TenantId;
let globex: TenantId;
beforeAll(async () => {
  api = await startTestApi();
  acme = (await api.seedTenant('acme')).id;
  globex = (await api.seedTenant('globex')).id;
});
afterAll(() => api.close());

describe('TenantContext nesting', () => {
  let db: TenantContext;

  beforeAll(() => {
    db = api.app.get(TenantContext);
  });

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

  it('keeps the after-commit work of two parallel transactions of one request apart', async () => {
    // Each top-level transaction runs in a child CLS context with its own after-commit list. The keys once had a dot
    // in their names, which nestjs-cls reads as a path into an object the child contexts shared with their parent:
    // the second transaction's list replaced the first's, whose work then ran at the other's commit, or never.
    const ran: string[] = [];
    let releaseA!: () => void;
    let aRegistered!: () => void;
    const aMayGo = new Promise<void>((resolve) => (releaseA = resolve));
    const aDone = new Promise<void>((resolve) => (aRegistered = resolve));
    await api.app.get(ClsService).run(async () => {
      // As in a request: its identity is set before its transactions start.
      api.app.get(AccessService).setIdentity({
        principal: {
          kind: 'user',
          id: acme,
          label: 'x',
          userId: null,
          homeTenantId: acme,
          role: 'tenant_admin',
          scopes: null,
        },
        tenant: { id: acme, code: 'acme', name: 'acme', status: 'active', parent_id: null },
      });
      const a = db.runInTenant(acme, async () => {
        await aMayGo; // B's transaction is open by now
        db.afterCommit(() => void ran.push('a'));
        aRegistered();
      });
      const b = db.runInTenant(globex, async () => {
        db.afterCommit(() => void ran.push('b'));
        releaseA();
        await aDone;
        throw new Error('b rolls back');
      });
      await a;
      await expect(b).rejects.toThrow('b rolls back');
    });
    expect(ran).toEqual(['a']);
  });

  it('restores the outer tenant when the nested block throws', async () => {
    await db.runInTenant(acme, async () => {
      await expect(db.runInTenant(globex, () => Promise.reject(new Error('inner failure')))).rejects.toThrow(
        'inner failure',
      );
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
      await db.runInTenant(acme, async () =>
        expect(await db.prepared('conduit_test_probe', 'SELECT $1::int + 1 AS n', [i])).toEqual([{ n: i + 1 }]),
      );
    }
    expect(await db.prepared('conduit_test_probe', 'SELECT $1::int + 1 AS n', [41])).toEqual([{ n: 42 }]);
  });
});

describe('TenantRoundTrip against the real database', () => {
  let trip: TenantRoundTrip;
  const whoAmI = preparedStatement(
    'test_who_am_i',
    `SELECT nullif(current_setting('app.tenant_id', true), '') AS tenant, $1::int + 1 AS n`,
  );

  beforeAll(() => {
    trip = api.app.get(TenantRoundTrip);
  });

  it('runs a statement in the given tenant, with values inlined', async () => {
    const rows = await trip.query<{ tenant: string; s: string }>(
      acme,
      `SELECT current_setting('app.tenant_id') AS tenant, $1::text AS s`,
      [`it's`],
      { durable: true },
    );
    expect(rows).toEqual([{ tenant: acme, s: `it's` }]);
  });

  it('runs a prepared statement in whichever tenant is asked, concurrently over the pool connections', async () => {
    const calls = Array.from({ length: 40 }, (_, i) =>
      trip.execute<{ tenant: string; n: number }>(i % 2 ? acme : globex, whoAmI, [i], { durable: false }),
    );
    const rows = await Promise.all(calls);
    rows.forEach((r, i) => expect(r).toEqual([{ tenant: i % 2 ? acme : globex, n: i + 1 }]));
  });

  it('a failing message leaves no half-prepared statement behind: the next call prepares again and succeeds', async () => {
    const broken = preparedStatement('test_broken', `SELECT 1 / $1::int AS q`);
    await expect(trip.execute(acme, broken, [0], { durable: true })).rejects.toThrow(/division by zero/);
    expect(await trip.execute(acme, broken, [1], { durable: true })).toEqual([{ q: 1 }]);
  });

  it('row-level security holds: a prepared statement sees only the tenant it runs in', async () => {
    const events = preparedStatement(
      'test_visible_events',
      `SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1::uuid`,
    );
    await api.app.get(EventsService).publishInTenant(acme, { event_name: 'rt.probe', payload: {} });
    expect((await trip.execute<{ n: number }>(acme, events, [acme], { durable: true }))[0].n).toBe(1);
    expect((await trip.execute<{ n: number }>(globex, events, [acme], { durable: true }))[0].n).toBe(0);
  });
});
