import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { SeedTasksController } from './http/seed-tasks.controller';
import { TasksController } from './http/tasks.controller';
import { TasksModule } from './tasks.module';

/** The tasks' routes (/api/v1/integrations/{id}/tasks and the seed's /apps/v1/task paths), for apps/api. */
@Module({
  imports: [TasksModule, TenantsModule],
  controllers: [TasksController, SeedTasksController],
})
export class TasksApiModule {}
