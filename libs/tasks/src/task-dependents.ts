// The tasks' side of deleting an integration: tasks do not block it (the seed marks them inactive), and they are
// marked inactive in the deleting transaction. Chains and case ingestion that use tasks will register their own.
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
      dependentsOf: () => Promise.resolve([]),
      beforeDelete: (integration) => this.tasks.deactivateForIntegration(integration.tenantId, integration.id),
    });
  }
}
