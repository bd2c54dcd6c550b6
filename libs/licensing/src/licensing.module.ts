import { Module } from '@nestjs/common';
import { Migrations } from '@conduit/database';
import { TenantsModule } from '@conduit/tenants';
import { LicenseState } from './license-state';
import { LICENSING_MIGRATIONS } from './migrations';
import { ReportPlaceholderLicenseState } from './report-placeholder-license-state';
import { UsageCountingRepository } from './repositories/usage-counting.repository';
import { UsageRepository } from './repositories/usage.repository';
import { UsageReportService } from './usage/usage-report.service';
// Registers the compliance report's subject (LicenseReport) with @conduit/access.
import './usage/usage.access';

/**
 * Licensing: the licence in force (verified offline-signed licences, trial and community plans), quotas and their
 * usage, features, MSSP allocation. Other domains declare what they count and which feature a route needs; this lib
 * answers.
 */
@Migrations(...LICENSING_MIGRATIONS)
@Module({
  imports: [TenantsModule],
  providers: [
    // PLACEHOLDER (lic-report branch): the real LicenseState is bound by the licence's work.
    { provide: LicenseState, useClass: ReportPlaceholderLicenseState },
    UsageRepository,
    UsageCountingRepository,
    UsageReportService,
  ],
  exports: [LicenseState, UsageRepository, UsageCountingRepository, UsageReportService],
})
export class LicensingModule {}
