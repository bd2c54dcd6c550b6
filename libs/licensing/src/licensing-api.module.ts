import { Module } from '@nestjs/common';
import { LicenseController } from './http/license.controller';
import { LicenseMetrics } from './license-metrics';
import { LicensingModule } from './licensing.module';

/** Licensing's routes (the licence, usage, report, allocations) and its gauges, for apps/api. */
@Module({ imports: [LicensingModule], controllers: [LicenseController], providers: [LicenseMetrics] })
export class LicensingApiModule {}
