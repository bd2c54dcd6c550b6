// Licensing's checks on what the tenants lib creates (which cannot import this lib): creating a tenant below another
// needs the mssp feature there, and a unit of the tenants quota; a membership a unit of the users quota.
import { Injectable } from '@nestjs/common';
import { CreationChecks } from '@conduit/tenants';
import { LicenseFeatures } from './license-features';
import { LicenseQuotas } from './license-quotas';

/**
 * Registers when it is built, not on a lifecycle hook: the API creates the first platform admin before the app is
 * initialised (first-start.ts), and that creation is checked as well.
 */
@Injectable()
export class LicensingChecks {
  constructor(
    checks: CreationChecks,
    private readonly features: LicenseFeatures,
    private readonly quotas: LicenseQuotas,
  ) {
    checks.register({
      beforeTenant: async (parentId) => {
        // A tree of tenants is what MSSP mode is: a tenant at the top needs no feature.
        if (parentId) await this.features.assertFeature('mssp', parentId);
        await this.quotas.reserve('tenants', parentId);
      },
      beforeMembership: (tenantId) => this.quotas.reserve('users', tenantId),
    });
  }
}
