// Chains' side of deleting a task or its integration: a chain whose current steps run one of its tasks uses it, so
// the tasks lib refuses the deletion (409 with the chain among the dependents) without importing chains.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { TaskUsers } from '@conduit/tasks';
import { ChainsRepository } from './repositories/chains.repository';

@Injectable()
export class ChainTaskUsers implements OnModuleInit {
  constructor(
    private readonly users: TaskUsers,
    private readonly chains: ChainsRepository,
  ) {}

  onModuleInit(): void {
    this.users.register({
      // In the caller's tenant transaction (the deletion's).
      usersOf: async (tenantId, integrationUuid, tags) =>
        (await this.chains.taskUsers(tenantId, integrationUuid, tags)).map((c) => ({
          kind: 'chain',
          id: c.id,
          name: c.name,
          task_tag: c.task_tag,
        })),
    });
  }
}
