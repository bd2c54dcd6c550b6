// The rules of MSSP allocation, over the tenant tree in memory (pure: the service reads, these decide).
//
// An allocation bounds its tenant's whole subtree. Its parent is the nearest tenant above it holding an allocation,
// else the installation (the licence in force). The allocations whose parent is P never add up to more than P's limit
// of a quota P bounds (a quota P leaves unbounded is bounded further up only); an allocation's features are a subset
// of those held above it. A change that breaks this is refused unless it does not make it worse (lowering stays
// possible after the licence shrank); lowering an allocation below its subtree's usage or its children's allocations
// is allowed and reported.
import type { TenantId } from '@conduit/platform';
import { Feature, QUOTAS, Quota, QuotaLimits } from './license-terms';
import type { TenantTree } from './tenant-tree';

/** The quotas an allocation bounds (a quota left out is bounded only above it). */
export type AllocatedQuotas = Partial<Record<Quota, number>>;

export interface AllocationTerms {
  quotas: AllocatedQuotas;
  /** null: whatever is held above */
  features: readonly Feature[] | null;
}

export type Allocations = ReadonlyMap<TenantId, AllocationTerms>;

/** What the licence in force grants the installation. */
export interface InstallationTerms {
  quotas: QuotaLimits;
  features: readonly Feature[];
}

/** The nearest tenant above id (never id itself) holding an allocation; null: the installation. */
export function allocatedParent(tree: TenantTree, allocations: Allocations, id: TenantId): TenantId | null {
  return (
    tree
      .lineage(id)
      .slice(1)
      .find((t) => allocations.has(t)) ?? null
  );
}

/** The allocated tenants whose allocated parent is `of` (null: the installation). */
export function allocatedChildren(tree: TenantTree, allocations: Allocations, of: TenantId | null): TenantId[] {
  const out: TenantId[] = [];
  const seen = new Set<TenantId>();
  const stack = [...tree.childrenOf(of)];
  while (stack.length > 0) {
    const at = stack.pop() as TenantId;
    if (seen.has(at)) continue;
    seen.add(at);
    if (allocations.has(at)) out.push(at);
    else stack.push(...tree.childrenOf(at));
  }
  return out;
}

/** How much of a quota `of` has handed to its allocated children (a child that does not bound it: nothing). */
export function allocatedToChildren(
  tree: TenantTree,
  allocations: Allocations,
  of: TenantId | null,
  quota: Quota,
): number {
  let sum = 0;
  for (const child of allocatedChildren(tree, allocations, of)) sum += allocations.get(child)?.quotas[quota] ?? 0;
  return sum;
}

/** A quota's limit at `of`: the installation's (null: unlimited), or its allocation's (null: not bounded there). */
export function limitAt(
  allocations: Allocations,
  installation: InstallationTerms,
  of: TenantId | null,
  quota: Quota,
): number | null {
  if (of === null) return installation.quotas[quota];
  return allocations.get(of)?.quotas[quota] ?? null;
}

/** The features a tenant may use: the installation's, narrowed by every allocation from the tenant up. */
export function heldFeatures(
  tree: TenantTree,
  allocations: Allocations,
  installation: InstallationTerms,
  id: TenantId | null,
): Feature[] {
  let held = [...installation.features];
  for (const t of id ? tree.lineage(id) : []) {
    const features = allocations.get(t)?.features;
    if (features) held = held.filter((f) => features.includes(f));
  }
  return held;
}

export type AllocationViolation =
  | {
      kind: 'exceeds_parent';
      quota: Quota;
      /** the parent's limit */
      limit: number;
      /** what the parent's allocated children would hold together */
      allocated: number;
      /** the parent allocation's tenant; null: the installation */
      parent: TenantId | null;
    }
  | { kind: 'feature_not_held'; features: Feature[]; parent: TenantId | null };

/**
 * Why setting (next) or removing (null) the allocation of tenantId is refused; empty when it may be made. A sum over
 * the parent's limit is refused only when the change makes it larger.
 */
export function allocationViolations(
  tree: TenantTree,
  before: Allocations,
  tenantId: TenantId,
  next: AllocationTerms | null,
  installation: InstallationTerms,
): AllocationViolation[] {
  const after = new Map(before);
  if (next) after.set(tenantId, next);
  else after.delete(tenantId);
  const parent = allocatedParent(tree, after, tenantId);
  const violations: AllocationViolation[] = [];
  for (const quota of QUOTAS) {
    const limit = limitAt(after, installation, parent, quota);
    if (limit === null) continue;
    const was = allocatedToChildren(tree, before, parent, quota);
    const will = allocatedToChildren(tree, after, parent, quota);
    if (will > limit && will > was) violations.push({ kind: 'exceeds_parent', quota, limit, allocated: will, parent });
  }
  if (next?.features) {
    const above = heldFeatures(tree, after, installation, tree.parentOf(tenantId));
    const missing = next.features.filter((f) => !above.includes(f));
    if (missing.length > 0) violations.push({ kind: 'feature_not_held', features: missing, parent });
  }
  return violations;
}

export interface AllocationWarning {
  code: 'usage_above_allocation' | 'children_above_allocation';
  quota: Quota;
  limit: number;
  /** the subtree's usage, or what its allocated children hold together */
  value: number;
}

/** Where an allocation is below what its subtree uses, or below what it has handed to its children. */
export function allocationWarnings(
  tree: TenantTree,
  allocations: Allocations,
  tenantId: TenantId,
  usage: Partial<Record<Quota, number>>,
): AllocationWarning[] {
  const terms = allocations.get(tenantId);
  if (!terms) return [];
  const warnings: AllocationWarning[] = [];
  for (const quota of QUOTAS) {
    const limit = terms.quotas[quota];
    if (limit === undefined) continue;
    const used = usage[quota];
    if (used !== undefined && used > limit)
      warnings.push({ code: 'usage_above_allocation', quota, limit, value: used });
    const handed = allocatedToChildren(tree, allocations, tenantId, quota);
    if (handed > limit) warnings.push({ code: 'children_above_allocation', quota, limit, value: handed });
  }
  return warnings;
}
