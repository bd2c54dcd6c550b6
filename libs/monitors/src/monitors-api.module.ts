import { Module } from '@nestjs/common';
import { MonitorsController } from './http/monitors.controller';
import { MonitorsModule } from './monitors.module';

/** The monitors' routes (/api/v1/monitors), for apps/api. */
@Module({ imports: [MonitorsModule], controllers: [MonitorsController] })
export class MonitorsApiModule {}
