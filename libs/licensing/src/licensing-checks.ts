// Licensing's checks on what the tenants lib creates or moves (it cannot import this lib): creating a tenant below
// another needs the mssp feature there, and a unit of the tenants quota; a membership a unit of the users quota. A
// move is a creation of its whole subtree below the new parent, for the allocations it newly falls under.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { InvariantError, TenantId } from '@conduit/platform';
import { CreationChecks } from '@conduit/tenants';
import { allocationRefusal } from './allocations.service';
import { LicenseFeatures } from './license-features';
import { LicenseQuotas, describeBound } from './license-quotas';
import { LicenseUsage } from './license-usage';
import { LicensingException } from './licensing.exception';
import { moveAllocationViolations, moveExceededBounds } from './move-rules';
import { ENFORCED_QUOTAS } from './quota-counters';
import { AllocationsRepository } from './repositories/allocations.repository';
import { QuotaLocksRepository } from './repositories/quota-locks.repository';

/**
 * Registers when it is built, not on a lifecycle hook: the API creates the first platform admin before the app is
 * initialised (first-start.ts), and that creation is checked as well.
 */
@Injectable()
export class LicensingChecks {
  constructor(
    checks: CreationChecks,
    private readonly db: TenantContext,
    private readonly features: LicenseFeatures,
    private readonly quotas: LicenseQuotas,
    private readonly usage: LicenseUsage,
    private readonly allocations: AllocationsRepository,
    private readonly locks: QuotaLocksRepository,
  ) {
    checks.register({
      beforeTenant: async (parentId) => {
        // A tree of tenants is what MSSP mode is: a tenant at the top needs no feature.
        if (parentId) await this.features.assertFeature('mssp', parentId);
        await this.quotas.reserve('tenants', parentId);
      },
      beforeMembership: (tenantId) => this.quotas.reserve('users', tenantId),
      beforeMove: (tenantId, newParentId) => this.beforeMove(tenantId, newParentId),
    });
  }

  /**
   * Below another tenant: the mssp feature there, as for creating a child. Then, under the locks creations and
   * allocation changes take (held until the moving transaction ends): the subtree's usage must fit every allocation it
   * newly falls under (403 license_quota_exceeded), and the allocations it carries must fit the new parent's
   * (400 allocation_exceeds_parent).
   */
  private async beforeMove(tenantId: TenantId, newParentId: TenantId | null): Promise<void> {
    if (!this.db.inTransaction())
      throw new InvariantError('transaction_required', 'a move is checked inside the moving transaction');
    if (newParentId) await this.features.assertFeature('mssp', newParentId);
    // Allocation changes first, then each quota in one fixed order (a creation holds one quota's lock only).
    await this.allocations.lockChanges();
    for (const quota of ENFORCED_QUOTAS) await this.locks.lock(quota);
    const snapshot = await this.usage.snapshot();
    const input = {
      tree: snapshot.tree,
      allocations: snapshot.allocations,
      installation: snapshot.installation,
      usageOf: (id: TenantId, quota: (typeof ENFORCED_QUOTAS)[number]) => snapshot.usageOf(id)[quota],
      tenantId,
      newParentId,
    };
    const exceeded = moveExceededBounds(input);
    if (exceeded.length > 0) {
      throw new LicensingException(
        'license_quota_exceeded',
        `The licence allows no more ${exceeded[0].quota} there (${describeBound(exceeded[0])})`,
        exceeded.map((b) => ({ message: describeBound(b), ...b })),
      );
    }
    const refused = allocationRefusal(moveAllocationViolations(input));
    if (refused) throw refused;
  }
}
