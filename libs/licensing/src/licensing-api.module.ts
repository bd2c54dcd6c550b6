import { Module } from '@nestjs/common';
import { AllocationsController } from './http/allocations.controller';
import { UsageController } from './http/usage.controller';
import { LicensingModule } from './licensing.module';

/** Licensing's routes (the licence, usage, report, allocations), for apps/api. */
@Module({ imports: [LicensingModule], controllers: [AllocationsController, UsageController] })
export class LicensingApiModule {}
