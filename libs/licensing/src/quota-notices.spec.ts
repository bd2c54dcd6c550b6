import { TenantId, asTenantId } from '@conduit/platform';
import { PLANS } from './license-terms';
import { UsageSnapshot } from './license-usage';
import { quotaCrossings } from './quota-notices';
import { crossedThresholds, percentOf } from './quota-thresholds';
import { EnforcedQuota, QuotaCount } from './quota-counters';
import { TenantTree } from './tenant-tree';

const id = (s: string) => asTenantId(s);
const node = (t: string, parent: string | null) => ({
  id: id(t),
  parent_id: parent ? id(parent) : null,
  code: t,
  name: t,
});

describe('quota thresholds', () => {
  it('warns at 80% and says reached at 100%, in whole numbers', () => {
    expect(crossedThresholds(7, 10)).toEqual([]);
    expect(crossedThresholds(8, 10)).toEqual(['warning']);
    expect(crossedThresholds(10, 10)).toEqual(['warning', 'reached']);
    expect(crossedThresholds(12, 10)).toEqual(['warning', 'reached']);
    expect(crossedThresholds(28, 35)).toEqual(['warning']);
    expect(crossedThresholds(27, 35)).toEqual([]);
    // 80% of 3 is 2.4: the warning comes with the third, as does reached.
    expect(crossedThresholds(2, 3)).toEqual([]);
    expect(crossedThresholds(3, 3)).toEqual(['warning', 'reached']);
  });

  it('says nothing for an unlimited quota, nor while nothing is used', () => {
    expect(crossedThresholds(1_000_000, null)).toEqual([]);
    expect(crossedThresholds(0, 0)).toEqual([]);
    expect(crossedThresholds(1, 0)).toEqual(['warning', 'reached']);
  });

  it('rounds the percentage down', () => {
    expect(percentOf(8, 10)).toBe(80);
    expect(percentOf(2, 3)).toBe(66);
    expect(percentOf(11, 10)).toBe(110);
    expect(percentOf(1, 0)).toBe(100);
  });
});

describe('quota crossings', () => {
  // platform · mssp (allocation: users 5, tenants 2) → customer (allocation: users 2) → sub · other
  const tree = new TenantTree([
    node('platform', null),
    node('mssp', null),
    node('customer', 'mssp'),
    node('sub', 'customer'),
    node('other', null),
  ]);
  const counts = (perTenant: Record<string, number>): QuotaCount => {
    const byTenant = new Map(Object.entries(perTenant).map(([t, n]) => [id(t), n]));
    return { total: [...byTenant.values()].reduce((a, b) => a + b, 0), byTenant };
  };
  const snapshot = (users: Record<string, number>, allocations: [string, Partial<Record<EnforcedQuota, number>>][]) =>
    new UsageSnapshot(
      tree,
      new Map(allocations.map(([t, quotas]) => [id(t), { quotas, features: null }])),
      { quotas: { ...PLANS.trial.quotas, users: 10 }, features: [] },
      new Map<EnforcedQuota, QuotaCount>([
        // tenants directly below each: mssp holds customer, customer holds sub
        ['tenants', counts({ mssp: 1, customer: 1 })],
        ['users', counts(users)],
      ]),
      new Map(),
    );
  const platform: TenantId = id('platform');
  const summary = (s: UsageSnapshot, p: TenantId | null = platform) =>
    quotaCrossings(s, p).map((c) => [
      c.scope.kind === 'tenant' ? c.scope.code : 'installation',
      c.quota,
      c.threshold,
      c.usage,
      c.limit,
      c.publishTo,
    ]);

  it('checks the installation against the licence and each allocated subtree against its allocation, each into its stream', () => {
    const s = snapshot({ platform: 1, mssp: 1, customer: 1, sub: 1, other: 4 }, [
      ['mssp', { users: 5, tenants: 2 }],
      ['customer', { users: 2 }],
    ]);
    expect(summary(s)).toEqual([
      ['installation', 'users', 'warning', 8, 10, 'platform'],
      // customer's subtree: customer and sub
      ['customer', 'users', 'warning', 2, 2, 'customer'],
      ['customer', 'users', 'reached', 2, 2, 'customer'],
      ['mssp', 'tenants', 'warning', 2, 2, 'mssp'],
      ['mssp', 'tenants', 'reached', 2, 2, 'mssp'],
      // mssp's subtree: 3 of 5 users (60%): nothing
    ]);
  });

  it('leaves the installation out without a platform tenant, and quotas an allocation does not bound', () => {
    const s = snapshot({ other: 9 }, [['other', { tenants: 1 }]]);
    expect(summary(s, null)).toEqual([]);
    expect(summary(s)).toEqual([['installation', 'users', 'warning', 9, 10, 'platform']]);
  });
});
