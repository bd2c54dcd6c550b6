// Usage of the licence over the whole tenant tree at once: the tree, every allocation and every counted quota, read
// in the caller's transaction. What the allocation views, the usage report and GET /api/v1/license show.
import { Injectable } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';
import { TenantHierarchy } from '@conduit/tenants';
import { AllocationTerms, Allocations, InstallationTerms } from './allocation-rules';
import type { LicenseAllocationEntity } from './entities/license-allocation.entity';
import { LicenseState } from './license-state';
import { ENFORCED_QUOTAS, EnforcedQuota, QuotaCount, QuotaCounters } from './quota-counters';
import { AllocationsRepository } from './repositories/allocations.repository';
import { TenantTree } from './tenant-tree';

export type QuotaFigures = Record<EnforcedQuota, number>;

export function toTerms(row: Pick<LicenseAllocationEntity, 'quotas' | 'features'>): AllocationTerms {
  return { quotas: row.quotas, features: row.features };
}

/** One read of everything usage is computed from. */
export class UsageSnapshot {
  constructor(
    readonly tree: TenantTree,
    readonly allocations: Allocations,
    readonly installation: InstallationTerms,
    private readonly counts: ReadonlyMap<EnforcedQuota, QuotaCount>,
    readonly rows: ReadonlyMap<TenantId, LicenseAllocationEntity>,
  ) {}

  /** Usage of the subtree of a tenant (for tenants: the tenants below it); null: the installation's. */
  usageOf(tenantId: TenantId | null): QuotaFigures {
    const figures = {} as QuotaFigures;
    for (const quota of ENFORCED_QUOTAS) {
      const counted = this.counts.get(quota);
      figures[quota] = !counted
        ? 0
        : tenantId === null
          ? counted.total
          : this.tree.subtreeSum(tenantId, counted.byTenant);
    }
    return figures;
  }
}

@Injectable()
export class LicenseUsage {
  constructor(
    private readonly hierarchy: TenantHierarchy,
    private readonly allocations: AllocationsRepository,
    private readonly counters: QuotaCounters,
    private readonly state: LicenseState,
  ) {}

  /** The installation's usage of each enforced quota (what the licence's quotas are compared with). */
  async installation(): Promise<QuotaFigures> {
    const figures = {} as QuotaFigures;
    for (const quota of ENFORCED_QUOTAS) figures[quota] = (await this.counters.count(quota)).total;
    return figures;
  }

  async snapshot(): Promise<UsageSnapshot> {
    // One statement after another: they share the caller's transaction (one connection).
    const tree = new TenantTree(await this.hierarchy.liveTree());
    const rows = await this.allocations.all();
    const counts = new Map<EnforcedQuota, QuotaCount>();
    for (const quota of ENFORCED_QUOTAS) counts.set(quota, await this.counters.count(quota));
    const { quotas, features } = this.state.current();
    return new UsageSnapshot(
      tree,
      new Map(rows.map((r) => [r.allocated_to, toTerms(r)])),
      { quotas, features },
      counts,
      new Map(rows.map((r) => [r.allocated_to, r])),
    );
  }
}
