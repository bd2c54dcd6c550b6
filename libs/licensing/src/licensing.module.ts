import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { Migrations } from '@conduit/database';
import { TenantsModule } from '@conduit/tenants';
import { AllocationsService } from './allocations.service';
import { TenantsCounter } from './counters/tenants.counter';
import { UsersCounter } from './counters/users.counter';
import { LicenseAllocationEntity } from './entities/license-allocation.entity';
import { LicenseFeatures } from './license-features';
import { LicenseKeyring } from './license-keys';
import { LicenseQuotas } from './license-quotas';
import { LicenseState } from './license-state';
import { LicenseStateService } from './license-state.service';
import { LicenseUsage } from './license-usage';
import { LicenseService } from './license.service';
import { LicenseVerifier } from './license-verifier';
import { LicensingChecks } from './licensing-checks';
import { LICENSING_MIGRATIONS } from './migrations';
import { QuotaCounters } from './quota-counters';
import { AllocationsRepository } from './repositories/allocations.repository';
import { InstallationRepository } from './repositories/installation.repository';
import { LicensesRepository } from './repositories/licenses.repository';
import { MemberCountsRepository } from './repositories/member-counts.repository';
import { QuotaLocksRepository } from './repositories/quota-locks.repository';
import { TenantRowCounts } from './repositories/tenant-row-counts.repository';
import { UsageCountingRepository } from './repositories/usage-counting.repository';
import { UsageRepository } from './repositories/usage.repository';
import { RequiredFeatureGuard } from './requires-feature';
import { UsageService } from './usage.service';
import { UsageReportService } from './usage/usage-report.service';
// Registers licensing's subjects, their API-key scopes and each role's rules with @conduit/access.
import './licensing.access';

/**
 * Licensing: the licence in force (verified offline-signed licences, trial and community plans), quotas and their
 * usage, features, MSSP allocation. Other domains declare what they count and which feature a route needs; this lib
 * answers.
 */
@Migrations(...LICENSING_MIGRATIONS)
@Module({
  imports: [TypeOrmModule.forFeature([LicenseAllocationEntity]), DiscoveryModule, TenantsModule, AuditModule],
  providers: [
    LicenseKeyring,
    LicenseVerifier,
    InstallationRepository,
    LicensesRepository,
    LicenseStateService,
    { provide: LicenseState, useExisting: LicenseStateService },
    LicenseService,
    AllocationsRepository,
    MemberCountsRepository,
    QuotaLocksRepository,
    QuotaCounters,
    TenantRowCounts,
    TenantsCounter,
    UsersCounter,
    LicenseUsage,
    LicenseQuotas,
    LicenseFeatures,
    RequiredFeatureGuard,
    LicensingChecks,
    AllocationsService,
    UsageService,
    UsageRepository,
    UsageCountingRepository,
    UsageReportService,
  ],
  // The repository and verifier for the worker's notifier (licensing-worker.module.ts), the usage repositories for the
  // worker's count and the API's gauge; other libs cannot name them.
  exports: [
    LicenseState,
    TenantRowCounts,
    LicenseStateService,
    LicenseService,
    LicenseVerifier,
    InstallationRepository,
    LicenseUsage,
    LicenseQuotas,
    LicenseFeatures,
    RequiredFeatureGuard,
    AllocationsService,
    UsageService,
    UsageRepository,
    UsageCountingRepository,
    UsageReportService,
  ],
})
export class LicensingModule {}
