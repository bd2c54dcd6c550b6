// Which quota thresholds are crossed now, for the installation's limits and each tenant's allocation: what the quota
// notifier claims and publishes (license.quota_warning at 80%, license.quota_reached at 100%). Pure, so the thresholds
// are tested without a worker. See docs/licensing.md, "Quota notifications".
import type { TenantId } from '@conduit/platform';
import type { UsageSnapshot } from './license-usage';
import { ENFORCED_QUOTAS, EnforcedQuota } from './quota-counters';
import { QuotaThreshold, crossedThresholds } from './quota-thresholds';

/** The installation's limits, or the allocation of one tenant (published into that tenant's own stream). */
export type QuotaScope = { kind: 'installation' } | { kind: 'tenant'; tenantId: TenantId; code: string };

/** One threshold of one bound that usage has reached. */
export interface QuotaCrossing {
  scope: QuotaScope;
  quota: EnforcedQuota;
  threshold: QuotaThreshold;
  limit: number;
  usage: number;
  /** the tenant whose stream it is published into: the platform tenant for the installation, else the tenant */
  publishTo: TenantId;
}

/** The key of a scope in license_quota_notices.scope: 'installation', or the tenant's id. */
export function scopeKey(scope: QuotaScope): string {
  return scope.kind === 'installation' ? 'installation' : scope.tenantId;
}

/** The key of one notice (scope, quota, threshold), unique in license_quota_notices. */
export function noticeKey(n: { scope: string; quota: string; threshold: string }): string {
  return `${n.scope}\u0000${n.quota}\u0000${n.threshold}`;
}

/**
 * Every threshold crossed now: the installation's usage against the licence in force, published into the platform
 * tenant's stream (none without a platform tenant: nowhere to publish), and each allocated tenant's subtree against
 * its allocation, into its own; for the enforced quotas only (events_per_month is monthly, notified by the usage
 * count).
 */
export function quotaCrossings(snapshot: UsageSnapshot, platformId: TenantId | null): QuotaCrossing[] {
  const out: QuotaCrossing[] = [];
  const add = (scope: QuotaScope, limits: Partial<Record<EnforcedQuota, number | null>>, publishTo: TenantId) => {
    const usage = snapshot.usageOf(scope.kind === 'tenant' ? scope.tenantId : null);
    for (const quota of ENFORCED_QUOTAS) {
      const limit = limits[quota];
      if (typeof limit !== 'number') continue;
      for (const threshold of crossedThresholds(usage[quota], limit))
        out.push({ scope, quota, threshold, limit, usage: usage[quota], publishTo });
    }
  };
  if (platformId) add({ kind: 'installation' }, snapshot.installation.quotas, platformId);
  const allocated = [...snapshot.allocations.keys()]
    .filter((id) => snapshot.tree.has(id))
    .sort((a, b) => (snapshot.tree.node(a)?.code ?? '').localeCompare(snapshot.tree.node(b)?.code ?? ''));
  for (const id of allocated) {
    const code = snapshot.tree.node(id)?.code ?? '';
    add({ kind: 'tenant', tenantId: id, code }, snapshot.allocations.get(id)?.quotas ?? {}, id);
  }
  return out;
}
