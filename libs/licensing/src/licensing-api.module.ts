import { Module } from '@nestjs/common';
import { LicenseReportController } from './http/license-report.controller';
import { LicensingModule } from './licensing.module';
import { UsageMetrics } from './usage/usage-metrics';

/** Licensing's routes (the licence, usage, report, allocations), for apps/api, and the API's licence metrics. */
@Module({ imports: [LicensingModule], controllers: [LicenseReportController], providers: [UsageMetrics] })
export class LicensingApiModule {}
