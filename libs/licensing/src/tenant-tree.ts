// The MSSP tree in memory, for what is computed over many subtrees at once (allocations, usage): built from one read
// of every live tenant (TenantHierarchy.liveTree), so no walk costs a round trip.
import type { TenantId } from '@conduit/platform';
import type { TenantNode } from '@conduit/tenants';

export class TenantTree {
  private readonly nodes = new Map<TenantId, TenantNode>();
  private readonly children = new Map<TenantId | null, TenantId[]>();

  constructor(nodes: readonly TenantNode[]) {
    for (const node of nodes) this.nodes.set(node.id, node);
    for (const node of nodes) {
      // A parent that is not live (or not there): the tenant hangs at the top, as far as counting goes.
      const parent = node.parent_id && this.nodes.has(node.parent_id) ? node.parent_id : null;
      const siblings = this.children.get(parent) ?? [];
      siblings.push(node.id);
      this.children.set(parent, siblings);
    }
  }

  /** The same tree with id hung below parent (null: at the top), as a move would leave it. */
  withParent(id: TenantId, parent: TenantId | null): TenantTree {
    return new TenantTree([...this.nodes.values()].map((n) => (n.id === id ? { ...n, parent_id: parent } : n)));
  }

  has(id: TenantId): boolean {
    return this.nodes.has(id);
  }

  node(id: TenantId): TenantNode | undefined {
    return this.nodes.get(id);
  }

  /** The live tenants directly below id (null: the top-level tenants). */
  childrenOf(id: TenantId | null): readonly TenantId[] {
    return this.children.get(id) ?? [];
  }

  /** The parent as the tree sees it (null at the top, or when the parent is not live). */
  parentOf(id: TenantId): TenantId | null {
    const parent = this.nodes.get(id)?.parent_id ?? null;
    return parent && this.nodes.has(parent) ? parent : null;
  }

  /** Ids from the tenant up to its root (empty for a tenant not in the tree); stops on a cycle. */
  lineage(id: TenantId): TenantId[] {
    const out: TenantId[] = [];
    const seen = new Set<TenantId>();
    for (let at: TenantId | null = this.nodes.has(id) ? id : null; at && !seen.has(at); at = this.parentOf(at)) {
      seen.add(at);
      out.push(at);
    }
    return out;
  }

  /** The tenant and every live tenant below it (empty for a tenant not in the tree). */
  subtree(id: TenantId): TenantId[] {
    if (!this.nodes.has(id)) return [];
    const out: TenantId[] = [];
    const seen = new Set<TenantId>();
    const stack = [id];
    while (stack.length > 0) {
      const at = stack.pop() as TenantId;
      if (seen.has(at)) continue;
      seen.add(at);
      out.push(at);
      stack.push(...this.childrenOf(at));
    }
    return out;
  }

  /** The sum of perTenant over the tenant's subtree. */
  subtreeSum(id: TenantId, perTenant: ReadonlyMap<TenantId, number>): number {
    let sum = 0;
    for (const t of this.subtree(id)) sum += perTenant.get(t) ?? 0;
    return sum;
  }
}
