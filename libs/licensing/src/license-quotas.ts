// The one quota check: a domain calls reserve() inside the transaction that creates what the quota counts, right
// before it inserts. Creations of one quota are serialized by a transaction-scoped lock held until commit, and counted
// inside it, so 20 creations at once with one unit left give exactly one success.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { InvariantError, TenantId } from '@conduit/platform';
import { TenantHierarchy } from '@conduit/tenants';
import { LicenseState } from './license-state';
import { LicensingException } from './licensing.exception';
import { ExceededBound, exceededBounds } from './quota-bounds';
import { EnforcedQuota, QuotaCounters } from './quota-counters';
import { AllocationsRepository } from './repositories/allocations.repository';
import { QuotaLocksRepository } from './repositories/quota-locks.repository';
import { TenantTree } from './tenant-tree';

export function describeBound(b: ExceededBound): string {
  const where = b.bound === 'installation' ? "the installation's licence" : `the allocation of tenant ${b.tenant_id}`;
  return `${b.quota}: ${b.usage} of ${b.limit} used under ${where}`;
}

@Injectable()
export class LicenseQuotas {
  constructor(
    private readonly db: TenantContext,
    private readonly state: LicenseState,
    private readonly hierarchy: TenantHierarchy,
    private readonly allocations: AllocationsRepository,
    private readonly counters: QuotaCounters,
    private readonly locks: QuotaLocksRepository,
  ) {}

  /**
   * Refuses (403 license_quota_exceeded) creating `count` more things of a quota in tenantId (null: at the top, for
   * tenants) when that would go over the installation's limit or the allocation of tenantId or of a tenant above it.
   * Must run inside the creating transaction, before its insert: the quota's lock is held until that transaction ends.
   */
  async reserve(quota: EnforcedQuota, tenantId: TenantId | null, count = 1): Promise<void> {
    if (!this.db.inTransaction())
      throw new InvariantError('transaction_required', 'a quota is reserved inside the creating transaction');
    const installationLimit = this.state.current().quotas[quota];
    const lineage = tenantId ? await this.hierarchy.lineage(tenantId) : [];
    const bounding = (await this.allocations.of(lineage)).flatMap((a) => {
      const limit = a.quotas[quota];
      return limit === undefined ? [] : [{ tenantId: a.allocated_to, limit }];
    });
    if (installationLimit === null && bounding.length === 0) return;
    await this.locks.lock(quota);
    const counted = await this.counters.count(quota);
    const tree = new TenantTree(bounding.length > 0 ? await this.hierarchy.liveTree() : []);
    const exceeded = exceededBounds({ quota, count, installationLimit, counted, tree, allocations: bounding });
    if (exceeded.length === 0) return;
    throw new LicensingException(
      'license_quota_exceeded',
      `The licence allows no more ${quota} here (${describeBound(exceeded[0])})`,
      exceeded.map((b) => ({ message: describeBound(b), ...b })),
    );
  }
}
