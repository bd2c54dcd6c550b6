// Feature checks: the installation's features (the licence in force), narrowed for a tenant by every allocation from
// it up. Routes declare theirs with @RequiresFeature; a domain that gates inside a service calls assertFeature.
import { Injectable } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';
import { TenantHierarchy } from '@conduit/tenants';
import { LicenseState } from './license-state';
import type { Feature } from './license-terms';
import { LicensingException } from './licensing.exception';
import { AllocationsRepository } from './repositories/allocations.repository';

@Injectable()
export class LicenseFeatures {
  constructor(
    private readonly state: LicenseState,
    private readonly hierarchy: TenantHierarchy,
    private readonly allocations: AllocationsRepository,
  ) {}

  /**
   * Refuses (403 license_feature_unavailable, the feature named in details) when the licence in force lacks the
   * feature or, for a tenant, when its allocation or one above it leaves it out.
   */
  async assertFeature(feature: Feature, tenantId?: TenantId | null): Promise<void> {
    if (!this.state.current().features.includes(feature)) {
      throw new LicensingException('license_feature_unavailable', `The licence in force does not include ${feature}`, [
        { message: `${feature} is not in the licence in force`, feature, bound: 'installation', tenant_id: null },
      ]);
    }
    if (!tenantId) return;
    const lineage = await this.hierarchy.lineage(tenantId);
    const rows = await this.allocations.of(lineage);
    // The nearest first: the allocation that says so closest to the tenant is named.
    const byTenant = new Map(rows.map((r) => [r.allocated_to, r]));
    for (const id of lineage) {
      const features = byTenant.get(id)?.features;
      if (features && !features.includes(feature)) {
        throw new LicensingException(
          'license_feature_unavailable',
          `The licence allocated to this tenant does not include ${feature}`,
          [
            {
              message: `${feature} is not in the allocation of tenant ${id}`,
              feature,
              bound: 'allocation',
              tenant_id: id,
            },
          ],
        );
      }
    }
  }
}
