// Licensing's checks on what the tenants lib creates (which cannot import this lib): creating a tenant below another
// needs the mssp feature there, and a unit of the tenants quota; a membership a unit of the users quota.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { CreationChecks } from '@conduit/tenants';
import { LicenseFeatures } from './license-features';
import { LicenseQuotas } from './license-quotas';

@Injectable()
export class LicensingChecks implements OnModuleInit {
  constructor(
    private readonly checks: CreationChecks,
    private readonly features: LicenseFeatures,
    private readonly quotas: LicenseQuotas,
  ) {}

  onModuleInit(): void {
    this.checks.register({
      beforeTenant: async (parentId) => {
        // A tree of tenants is what MSSP mode is: a tenant at the top needs no feature.
        if (parentId) await this.features.assertFeature('mssp', parentId);
        await this.quotas.reserve('tenants', parentId);
      },
      beforeMembership: (tenantId) => this.quotas.reserve('users', tenantId),
    });
  }
}
