import { Module } from '@nestjs/common';
import { AllocationsController } from './http/allocations.controller';
import { LicenseController } from './http/license.controller';
import { UsageController } from './http/usage.controller';
import { LicenseMetrics } from './license-metrics';
import { LicensingModule } from './licensing.module';

/** Licensing's routes (the licence, usage, report, allocations) and its gauges, for apps/api. */
@Module({
  imports: [LicensingModule],
  controllers: [LicenseController, AllocationsController, UsageController],
  providers: [LicenseMetrics],
})
export class LicensingApiModule {}
