import { TenantId, asTenantId } from '@conduit/platform';
import { TenantTree } from './tenant-tree';

const id = (s: string) => asTenantId(s);
const node = (t: string, parent: string | null) => ({
  id: id(t),
  parent_id: parent ? id(parent) : null,
  code: t,
  name: t,
});

// platform, mssp → customer → sub; other
const tree = new TenantTree([
  node('platform', null),
  node('mssp', null),
  node('customer', 'mssp'),
  node('sub', 'customer'),
  node('other', null),
  node('orphan', 'deleted-parent'),
]);

describe('TenantTree', () => {
  it('walks lineages up and subtrees down', () => {
    expect(tree.lineage(id('sub'))).toEqual(['sub', 'customer', 'mssp']);
    expect(tree.subtree(id('mssp')).sort()).toEqual(['customer', 'mssp', 'sub']);
    expect(tree.childrenOf(null)).toEqual(['platform', 'mssp', 'other', 'orphan']);
    expect(tree.parentOf(id('customer'))).toBe('mssp');
  });

  it('hangs a tenant whose parent is not live at the top', () => {
    expect(tree.parentOf(id('orphan'))).toBeNull();
    expect(tree.lineage(id('orphan'))).toEqual(['orphan']);
  });

  it('knows nothing of a tenant not in it', () => {
    expect(tree.lineage(id('gone'))).toEqual([]);
    expect(tree.subtree(id('gone'))).toEqual([]);
    expect(tree.has(id('gone'))).toBe(false);
  });

  it('sums per-tenant figures over a subtree', () => {
    const members = new Map<TenantId, number>([
      [id('mssp'), 2],
      [id('customer'), 3],
      [id('sub'), 4],
      [id('other'), 100],
    ]);
    expect(tree.subtreeSum(id('mssp'), members)).toBe(9);
    expect(tree.subtreeSum(id('customer'), members)).toBe(7);
  });

  it('ends its walks on a cycle in the data', () => {
    const cyclic = new TenantTree([node('a', 'b'), node('b', 'a')]);
    expect(cyclic.lineage(id('a'))).toEqual(['a', 'b']);
    expect(cyclic.subtree(id('a')).sort()).toEqual(['a', 'b']);
  });
});
