import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Migrations } from '@conduit/database';
import { MonitorCheckEntity } from './entities/monitor-check.entity';
import { MonitorEntity } from './entities/monitor.entity';
import { MONITORS_MIGRATIONS } from './migrations';
import { MonitorsService } from './monitors.service';
import { MonitorChecksRepository } from './repositories/monitor-checks.repository';
import { MonitorsRepository } from './repositories/monitors.repository';
// Registers the Monitor subject, its API-key scope and each role's rules with @conduit/access.
import './monitors.access';

/** HTTP monitors: their tables, the CRUD and reads over them (the worker module adds the checking). */
@Migrations(...MONITORS_MIGRATIONS)
@Module({
  imports: [TypeOrmModule.forFeature([MonitorEntity, MonitorCheckEntity])],
  providers: [MonitorsRepository, MonitorChecksRepository, MonitorsService],
  exports: [MonitorsRepository, MonitorChecksRepository, MonitorsService],
})
export class MonitorsModule {}
