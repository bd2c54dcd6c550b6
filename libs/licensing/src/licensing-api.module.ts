import { Module } from '@nestjs/common';
import { LicensingModule } from './licensing.module';

/** Licensing's routes (the licence, usage, report, allocations), for apps/api. */
@Module({ imports: [LicensingModule], controllers: [] })
export class LicensingApiModule {}
