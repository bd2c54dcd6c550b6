// What moving a tenant (and its subtree) below another would break (pure: LicensingChecks reads, this decides). The
// subtree's usage starts counting under every allocation on the new ancestry that was not on the old one, and the
// allocations inside the subtree become allocated children of the new parent's nearest allocation.
import type { TenantId } from '@conduit/platform';
import {
  AllocationViolation,
  Allocations,
  InstallationTerms,
  allocatedParent,
  allocatedToChildren,
  limitAt,
} from './allocation-rules';
import { QUOTAS } from './license-terms';
import { ENFORCED_QUOTAS, EnforcedQuota } from './quota-counters';
import type { ExceededBound } from './quota-bounds';
import type { TenantTree } from './tenant-tree';

export interface MoveInput {
  /** the tree before the move */
  tree: TenantTree;
  allocations: Allocations;
  installation: InstallationTerms;
  /** a subtree's usage of a quota as counted now (for tenants: the tenants below it) */
  usageOf: (tenantId: TenantId, quota: EnforcedQuota) => number;
  tenantId: TenantId;
  /** null: to the top */
  newParentId: TenantId | null;
}

/** What the moved subtree brings with it: for tenants the moved tenant and everything below it. */
export function movedUsage(input: MoveInput, quota: EnforcedQuota): number {
  return input.usageOf(input.tenantId, quota) + (quota === 'tenants' ? 1 : 0);
}

/**
 * The allocations a move would push over their limit: those on the new ancestry (the new parent and above) and not on
 * the old one, whose subtree usage plus the moved subtree's is over a quota they bound. The installation's usage does
 * not change with a move.
 */
export function moveExceededBounds(input: MoveInput): ExceededBound[] {
  const { tree, allocations, tenantId, newParentId } = input;
  const oldAncestry = new Set(tree.lineage(tenantId).slice(1));
  const gained = (newParentId ? tree.lineage(newParentId) : []).filter(
    (t) => !oldAncestry.has(t) && allocations.has(t),
  );
  const exceeded: ExceededBound[] = [];
  for (const quota of ENFORCED_QUOTAS) {
    const added = movedUsage(input, quota);
    if (added === 0) continue;
    for (const at of gained) {
      const limit = allocations.get(at)?.quotas[quota];
      if (limit === undefined) continue;
      const usage = input.usageOf(at, quota);
      if (usage + added > limit) exceeded.push({ quota, limit, usage, bound: 'allocation', tenant_id: at });
    }
  }
  return exceeded;
}

/**
 * Where the allocations inside the moved subtree, counted among the children of the new parent's nearest allocation
 * (or of the installation), would add up to more than it holds; refused only when the move makes that sum larger.
 */
export function moveAllocationViolations(input: MoveInput): AllocationViolation[] {
  const { tree, allocations, installation, tenantId, newParentId } = input;
  const after = tree.withParent(tenantId, newParentId);
  const parent = allocatedParent(after, allocations, tenantId);
  const violations: AllocationViolation[] = [];
  for (const quota of QUOTAS) {
    const limit = limitAt(allocations, installation, parent, quota);
    if (limit === null) continue;
    const was = allocatedToChildren(tree, allocations, parent, quota);
    const will = allocatedToChildren(after, allocations, parent, quota);
    if (will > limit && will > was) violations.push({ kind: 'exceeds_parent', quota, limit, allocated: will, parent });
  }
  return violations;
}
