// Which bounds a creation would break (pure: LicenseQuotas reads, this decides). A creation of `count` things in a
// tenant is bounded by the installation's limit and by the allocation of that tenant and of every tenant above it.
import type { TenantId } from '@conduit/platform';
import type { EnforcedQuota, QuotaCount } from './quota-counters';
import type { TenantTree } from './tenant-tree';

export interface ExceededBound {
  quota: EnforcedQuota;
  limit: number;
  usage: number;
  /** the installation (the licence in force), or the allocation of tenant_id */
  bound: 'installation' | 'allocation';
  tenant_id: TenantId | null;
}

export interface BoundsInput {
  quota: EnforcedQuota;
  count: number;
  /** null: unlimited */
  installationLimit: number | null;
  counted: QuotaCount;
  tree: TenantTree;
  /** the allocations on the tenant's lineage that bound the quota */
  allocations: readonly { tenantId: TenantId; limit: number }[];
}

export function exceededBounds(input: BoundsInput): ExceededBound[] {
  const { quota, count, installationLimit, counted, tree } = input;
  const exceeded: ExceededBound[] = [];
  if (installationLimit !== null && counted.total + count > installationLimit) {
    exceeded.push({ quota, limit: installationLimit, usage: counted.total, bound: 'installation', tenant_id: null });
  }
  for (const { tenantId, limit } of input.allocations) {
    const usage = tree.subtreeSum(tenantId, counted.byTenant);
    if (usage + count > limit) exceeded.push({ quota, limit, usage, bound: 'allocation', tenant_id: tenantId });
  }
  return exceeded;
}
