import { TenantId, asTenantId } from '@conduit/platform';
import type { AllocationTerms, InstallationTerms } from './allocation-rules';
import { FEATURES } from './license-terms';
import { MoveInput, moveAllocationViolations, moveExceededBounds, movedUsage } from './move-rules';
import type { EnforcedQuota } from './quota-counters';
import { TenantTree } from './tenant-tree';

const id = (s: string) => asTenantId(s);
const node = (t: string, parent: string | null) => ({
  id: id(t),
  parent_id: parent ? id(parent) : null,
  code: t,
  name: t,
});

// mssp → customer → sub; mssp → customer2; other → other-child; target → target-a; big → big-child
const tree = new TenantTree([
  node('mssp', null),
  node('customer', 'mssp'),
  node('sub', 'customer'),
  node('customer2', 'mssp'),
  node('other', null),
  node('other-child', 'other'),
  node('target', null),
  node('target-a', 'target'),
  node('big', null),
  node('big-child', 'big'),
]);

const installation: InstallationTerms = {
  quotas: { tenants: 100, users: 100, integrations: null, instances: null, events_per_month: null },
  features: FEATURES,
};

const terms = (quotas: AllocationTerms['quotas']): AllocationTerms => ({ quotas, features: null });

const allocations = new Map<TenantId, AllocationTerms>([
  [id('mssp'), terms({ tenants: 4, users: 5 })],
  [id('customer'), terms({ tenants: 2 })],
  [id('target'), terms({ tenants: 10 })],
  [id('target-a'), terms({ tenants: 8 })],
  [id('big-child'), terms({ tenants: 3 })],
]);

// Members held by each tenant itself; the tenants quota as the counter counts it (the tenants directly below).
const members = new Map([
  [id('customer'), 2],
  [id('other-child'), 2],
]);
function usageOf(t: TenantId, quota: EnforcedQuota): number {
  if (quota === 'users') return tree.subtreeSum(t, members);
  if (quota === 'tenants') return tree.subtree(t).length - 1;
  return 0;
}

const move = (tenant: string, to: string | null): MoveInput => ({
  tree,
  allocations,
  installation,
  usageOf,
  tenantId: id(tenant),
  newParentId: to === null ? null : id(to),
});

describe('move rules', () => {
  it('counts the moved tenant itself and everything below it, and the memberships in it', () => {
    expect(movedUsage(move('other', 'customer2'), 'tenants')).toBe(2);
    expect(movedUsage(move('other', 'customer2'), 'users')).toBe(2);
  });

  it('refuses a subtree that an allocation it newly falls under cannot hold', () => {
    // mssp: 3 tenants below it + 2 moved > 4
    expect(moveExceededBounds(move('other', 'customer2'))).toEqual([
      { quota: 'tenants', limit: 4, usage: 3, bound: 'allocation', tenant_id: 'mssp' },
    ]);
    // below customer as well: customer (1 + 2 > 2) and mssp, and mssp's users (2 + 2 ≤ 5) fit
    expect(moveExceededBounds(move('other', 'sub'))).toEqual([
      { quota: 'tenants', limit: 2, usage: 1, bound: 'allocation', tenant_id: 'customer' },
      { quota: 'tenants', limit: 4, usage: 3, bound: 'allocation', tenant_id: 'mssp' },
    ]);
    // a single tenant fits mssp (3 + 1 ≤ 4)
    expect(moveExceededBounds(move('other-child', 'customer2'))).toEqual([]);
  });

  it('does not count a move within an allocation it was already under, nor a move to the top', () => {
    const full = new Map(allocations).set(id('mssp'), terms({ tenants: 3, users: 2 }));
    expect(moveExceededBounds({ ...move('sub', 'customer2'), allocations: full })).toEqual([]);
    expect(moveExceededBounds({ ...move('customer', 'customer2'), allocations: full })).toEqual([]);
    expect(moveExceededBounds(move('sub', null))).toEqual([]);
  });

  it("refuses carrying allocations below a parent whose allocation cannot hold them with its children's", () => {
    expect(moveAllocationViolations(move('big-child', 'target'))).toEqual([
      { kind: 'exceeds_parent', quota: 'tenants', limit: 10, allocated: 11, parent: 'target' },
    ]);
    // below target-a, it is carved from target-a's 8 instead
    expect(moveAllocationViolations(move('big-child', 'target-a'))).toEqual([]);
    // a subtree without allocations carries none
    expect(moveAllocationViolations(move('other', 'target'))).toEqual([]);
  });

  it('checks allocations moved to the top against the licence, and never refuses a sum the move does not enlarge', () => {
    const small = { ...installation, quotas: { ...installation.quotas, tenants: 20 } };
    const withBig = new Map(allocations).set(id('big'), terms({ tenants: 5 }));
    // top-level allocations: mssp 4 + target 10 + big 5 (+ big-child 3 once at the top) > 20
    expect(moveAllocationViolations({ ...move('big-child', null), allocations: withBig, installation: small })).toEqual(
      [{ kind: 'exceeds_parent', quota: 'tenants', limit: 20, allocated: 22, parent: null }],
    );
    // already over at target (8 > 7): moving target-a within target's subtree does not make it worse
    const over = new Map(allocations).set(id('target'), terms({ tenants: 7 }));
    expect(moveAllocationViolations({ ...move('target-a', 'target'), allocations: over })).toEqual([]);
  });
});
