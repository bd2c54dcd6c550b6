import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { SeedTasksController } from './http/seed-tasks.controller';
import { TaskRunsController } from './http/task-runs.controller';
import { TasksController } from './http/tasks.controller';
import { TaskEngineModule } from './tasks-worker.module';
import { TasksModule } from './tasks.module';

/**
 * The tasks' routes (/api/v1/integrations/{id}/tasks, the seed's /apps/v1/task paths, runs and their history), for
 * apps/api.
 */
@Module({
  // The engine too: POST /instances/{id}/test runs a health check in the request.
  imports: [TasksModule, TaskEngineModule, TenantsModule],
  controllers: [TasksController, SeedTasksController, TaskRunsController],
})
export class TasksApiModule {}
