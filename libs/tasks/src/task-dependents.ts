// The tasks' side of deleting an integration: its tasks do not block it (the seed marks them inactive, in the deleting
// transaction), but chains and case ingestion using them do (they register with TaskUsers).
import { Injectable, OnModuleInit } from '@nestjs/common';
import { IntegrationDependents } from '@conduit/integrations';
import { TasksService } from './tasks.service';

@Injectable()
export class TaskDependentsSource implements OnModuleInit {
  constructor(
    private readonly dependents: IntegrationDependents,
    private readonly tasks: TasksService,
  ) {}

  onModuleInit(): void {
    this.dependents.register({
      dependentsOf: (integration) => this.tasks.usersOfIntegration(integration.tenantId, integration.id),
      beforeDelete: (integration) => this.tasks.deactivateForIntegration(integration.tenantId, integration.id),
    });
  }
}
