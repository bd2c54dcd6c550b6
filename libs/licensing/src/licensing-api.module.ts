import { Module } from '@nestjs/common';
import { AllocationsController } from './http/allocations.controller';
import { LicenseReportController } from './http/license-report.controller';
import { LicenseController } from './http/license.controller';
import { UsageController } from './http/usage.controller';
import { LicenseMetrics } from './license-metrics';
import { LicensingModule } from './licensing.module';
import { UsageMetrics } from './usage/usage-metrics';

/** Licensing's routes (the licence, usage, report, allocations) and its gauges, for apps/api. */
@Module({
  imports: [LicensingModule],
  controllers: [LicenseController, AllocationsController, UsageController, LicenseReportController],
  providers: [LicenseMetrics, UsageMetrics],
})
export class LicensingApiModule {}
