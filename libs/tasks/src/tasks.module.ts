import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { Migrations } from '@conduit/database';
import { IntegrationsModule } from '@conduit/integrations';
import { TenantsModule } from '@conduit/tenants';
import { TaskEntity } from './entities/task.entity';
import { TASKS_MIGRATIONS } from './migrations';
import { TasksRepository } from './repositories/tasks.repository';
import { TaskDependentsSource } from './task-dependents';
import { TaskUsers } from './task-users';
import { TasksService } from './tasks.service';
// Registers the Task subject, its API-key scope and each role's rules with @conduit/access.
import './tasks.access';

/** The catalogue's tasks: definitions on an integration, checked at save, numbered per tenant. */
@Migrations(...TASKS_MIGRATIONS)
@Module({
  imports: [TypeOrmModule.forFeature([TaskEntity]), AuditModule, IntegrationsModule, TenantsModule],
  providers: [TasksRepository, TasksService, TaskUsers, TaskDependentsSource],
  exports: [TypeOrmModule, TasksService, TaskUsers],
})
export class TasksModule {}
