import { TenantId, asTenantId } from '@conduit/platform';
import { exceededBounds } from './quota-bounds';
import { TenantTree } from './tenant-tree';

const id = (s: string) => asTenantId(s);
const node = (t: string, parent: string | null) => ({
  id: id(t),
  parent_id: parent ? id(parent) : null,
  code: t,
  name: t,
});
const tree = new TenantTree([node('mssp', null), node('customer', 'mssp'), node('sub', 'customer')]);
const byTenant = new Map<TenantId, number>([
  [id('mssp'), 1],
  [id('customer'), 2],
  [id('sub'), 3],
]);

describe('exceededBounds', () => {
  const base = { quota: 'users' as const, count: 1, tree, counted: { total: 9, byTenant } };

  it('passes while every bound has room', () => {
    expect(
      exceededBounds({ ...base, installationLimit: 10, allocations: [{ tenantId: id('mssp'), limit: 7 }] }),
    ).toEqual([]);
    expect(exceededBounds({ ...base, installationLimit: null, allocations: [] })).toEqual([]);
  });

  it("names the installation's limit when it is reached", () => {
    expect(exceededBounds({ ...base, installationLimit: 9, allocations: [] })).toEqual([
      { quota: 'users', limit: 9, usage: 9, bound: 'installation', tenant_id: null },
    ]);
  });

  it("counts a creation deep in the tree against every ancestor's allocation", () => {
    const allocations = [
      { tenantId: id('customer'), limit: 6 },
      { tenantId: id('mssp'), limit: 6 },
    ];
    expect(exceededBounds({ ...base, installationLimit: null, allocations })).toEqual([
      { quota: 'users', limit: 6, usage: 6, bound: 'allocation', tenant_id: 'mssp' },
    ]);
    expect(exceededBounds({ ...base, count: 2, installationLimit: null, allocations })).toEqual([
      { quota: 'users', limit: 6, usage: 5, bound: 'allocation', tenant_id: 'customer' },
      { quota: 'users', limit: 6, usage: 6, bound: 'allocation', tenant_id: 'mssp' },
    ]);
  });

  it('refuses everything under an allocation lowered below its usage', () => {
    expect(
      exceededBounds({ ...base, installationLimit: 100, allocations: [{ tenantId: id('sub'), limit: 1 }] }),
    ).toEqual([{ quota: 'users', limit: 1, usage: 3, bound: 'allocation', tenant_id: 'sub' }]);
  });
});
