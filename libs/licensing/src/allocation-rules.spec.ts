import { TenantId, asTenantId } from '@conduit/platform';
import {
  AllocationTerms,
  InstallationTerms,
  allocatedChildren,
  allocatedParent,
  allocatedToChildren,
  allocationViolations,
  allocationWarnings,
  heldFeatures,
} from './allocation-rules';
import { FEATURES, PLANS } from './license-terms';
import { TenantTree } from './tenant-tree';

const id = (s: string) => asTenantId(s);
const node = (t: string, parent: string | null) => ({
  id: id(t),
  parent_id: parent ? id(parent) : null,
  code: t,
  name: t,
});

// mssp → customer → sub → leaf; mssp → customer2; other (top level)
const tree = new TenantTree([
  node('mssp', null),
  node('customer', 'mssp'),
  node('sub', 'customer'),
  node('leaf', 'sub'),
  node('customer2', 'mssp'),
  node('other', null),
]);

const installation: InstallationTerms = {
  quotas: { tenants: 10, users: 25, integrations: null, instances: 20, events_per_month: 1000 },
  features: FEATURES,
};

const terms = (quotas: AllocationTerms['quotas'], features: AllocationTerms['features'] = null): AllocationTerms => ({
  quotas,
  features,
});

function allocations(entries: Record<string, AllocationTerms>): Map<TenantId, AllocationTerms> {
  return new Map(Object.entries(entries).map(([k, v]) => [id(k), v]));
}

describe('allocation rules', () => {
  const base = allocations({
    mssp: terms({ tenants: 5, users: 10 }, ['mssp', 'saml']),
    sub: terms({ users: 4 }),
  });

  it('finds the nearest allocation above, skipping tenants that hold none', () => {
    expect(allocatedParent(tree, base, id('leaf'))).toBe('sub');
    expect(allocatedParent(tree, base, id('sub'))).toBe('mssp');
    expect(allocatedParent(tree, base, id('customer'))).toBe('mssp');
    expect(allocatedParent(tree, base, id('mssp'))).toBeNull();
    expect(allocatedChildren(tree, base, id('mssp'))).toEqual(['sub']);
    expect(allocatedChildren(tree, base, null)).toEqual(['mssp']);
    expect(allocatedToChildren(tree, base, id('mssp'), 'users')).toBe(4);
    expect(allocatedToChildren(tree, base, id('mssp'), 'tenants')).toBe(0);
  });

  it('refuses allocations below a tenant that add up to more than it holds', () => {
    const ok = allocationViolations(tree, base, id('customer2'), terms({ users: 6 }), installation);
    expect(ok).toEqual([]);
    const over = allocationViolations(tree, base, id('customer2'), terms({ users: 7 }), installation);
    expect(over).toEqual([{ kind: 'exceeds_parent', quota: 'users', limit: 10, allocated: 11, parent: 'mssp' }]);
  });

  it("checks top-level allocations against the licence's quotas, unlimited ones not at all", () => {
    expect(
      allocationViolations(tree, base, id('other'), terms({ tenants: 5, integrations: 999 }), installation),
    ).toEqual([]);
    expect(allocationViolations(tree, base, id('other'), terms({ tenants: 6 }), installation)).toEqual([
      { kind: 'exceeds_parent', quota: 'tenants', limit: 10, allocated: 11, parent: null },
    ]);
  });

  it('does not sum a quota the parent leaves unbounded', () => {
    expect(allocationViolations(tree, base, id('customer'), terms({ instances: 1000 }), installation)).toEqual([]);
  });

  it("moves the allocations below a newly allocated tenant out of its parent's sum", () => {
    // customer takes sub under it: mssp's children are then customer (4) and no longer sub (4).
    const next = terms({ users: 9 });
    expect(allocationViolations(tree, base, id('customer'), next, installation)).toEqual([]);
    const after = new Map(base).set(id('customer'), next);
    expect(allocatedChildren(tree, after, id('mssp'))).toEqual(['customer']);
    expect(allocatedChildren(tree, after, id('customer'))).toEqual(['sub']);
  });

  it('allows lowering a sum that is already over (the licence shrank), never raising it', () => {
    const over = allocations({ mssp: terms({ tenants: 8 }), other: terms({ tenants: 8 }) });
    expect(allocationViolations(tree, over, id('mssp'), terms({ tenants: 6 }), installation)).toEqual([]);
    expect(allocationViolations(tree, over, id('mssp'), terms({ tenants: 9 }), installation)).toHaveLength(1);
    // Removing an allocation hands its children to its parent: refused when they hold more than it did and that
    // takes the parent over.
    const deep = allocations({ mssp: terms({ users: 10 }), customer: terms({ users: 2 }), sub: terms({ users: 9 }) });
    expect(allocationViolations(tree, deep, id('customer'), null, installation)).toEqual([]);
    const tight = allocations({
      mssp: terms({ users: 10 }),
      customer: terms({ users: 2 }),
      customer2: terms({ users: 8 }),
      sub: terms({ users: 5 }),
    });
    expect(allocationViolations(tree, tight, id('customer'), null, installation)).toEqual([
      { kind: 'exceeds_parent', quota: 'users', limit: 10, allocated: 13, parent: 'mssp' },
    ]);
  });

  it('keeps features a subset of those held above', () => {
    expect(allocationViolations(tree, base, id('customer'), terms({}, ['saml']), installation)).toEqual([]);
    expect(
      allocationViolations(tree, base, id('customer'), terms({}, ['saml', 'export_import']), installation),
    ).toEqual([{ kind: 'feature_not_held', features: ['export_import'], parent: 'mssp' }]);
    const community = { ...installation, features: PLANS.community.features };
    expect(allocationViolations(tree, new Map(), id('other'), terms({}, ['mssp']), community)).toEqual([
      { kind: 'feature_not_held', features: ['mssp'], parent: null },
    ]);
  });

  it('narrows the features a tenant holds by every allocation from it up', () => {
    const narrowed = allocations({ mssp: terms({}, ['mssp', 'saml']), sub: terms({}, ['saml', 'export_import']) });
    expect(heldFeatures(tree, narrowed, installation, id('leaf'))).toEqual(['saml']);
    expect(heldFeatures(tree, narrowed, installation, id('customer'))).toEqual(['mssp', 'saml']);
    expect(heldFeatures(tree, narrowed, installation, id('other'))).toEqual([...FEATURES]);
    expect(heldFeatures(tree, narrowed, installation, null)).toEqual([...FEATURES]);
  });

  it('warns when usage or the allocations below are over a limit', () => {
    const lowered = allocations({ mssp: terms({ users: 3, tenants: 5 }), sub: terms({ users: 4 }) });
    expect(allocationWarnings(tree, lowered, id('mssp'), { users: 7, tenants: 4 })).toEqual([
      { code: 'usage_above_allocation', quota: 'users', limit: 3, value: 7 },
      { code: 'children_above_allocation', quota: 'users', limit: 3, value: 4 },
    ]);
    expect(allocationWarnings(tree, lowered, id('customer'), { users: 7 })).toEqual([]);
  });
});
