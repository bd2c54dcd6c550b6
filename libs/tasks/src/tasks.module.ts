import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { Migrations } from '@conduit/database';
import { IntegrationsModule } from '@conduit/integrations';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { TaskRunEntity } from './entities/task-run.entity';
import { TaskEntity } from './entities/task.entity';
import { TASKS_MIGRATIONS } from './migrations';
import { TaskRunsRepository } from './repositories/task-runs.repository';
import { TasksRepository } from './repositories/tasks.repository';
import { TaskDependentsSource } from './task-dependents';
import { TASK_RUNS_QUEUE } from './task-run-job';
import { TaskRunScheduler } from './task-run-scheduler';
import { TaskRunsService } from './task-runs.service';
import { TaskUsers } from './task-users';
import { TasksService } from './tasks.service';
// Registers the Task and TaskRun subjects, their API-key scopes and each role's rules with @conduit/access.
import './tasks.access';
import './task-runs.access';

/**
 * The catalogue's tasks (definitions on an integration, checked at save, numbered per tenant) and their runs (the
 * tasks queue; the worker's side is TasksWorkerModule in @conduit/tasks/engine). Needs QueuesModule (global).
 */
@Migrations(...TASKS_MIGRATIONS)
@Module({
  imports: [
    TypeOrmModule.forFeature([TaskEntity, TaskRunEntity]),
    BullModule.registerQueue({ name: TASK_RUNS_QUEUE }),
    AuditModule,
    IntegrationsModule,
    SecretsModule,
    TenantsModule,
  ],
  providers: [
    TasksRepository,
    TasksService,
    TaskUsers,
    TaskDependentsSource,
    TaskRunsRepository,
    TaskRunScheduler,
    TaskRunsService,
  ],
  // The repositories too, for the worker's module (TasksWorkerModule): other libs cannot name them.
  exports: [
    TypeOrmModule,
    TasksService,
    TaskUsers,
    TasksRepository,
    TaskRunsRepository,
    TaskRunScheduler,
    TaskRunsService,
  ],
})
export class TasksModule {}
