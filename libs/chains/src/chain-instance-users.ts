// Chains' side of deleting an instance: a chain whose current steps run a task on it uses it, so the integrations lib
// refuses the deletion (409 instance_has_dependents with the chain) without importing chains.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InstanceUsers } from '@conduit/integrations';
import { ChainsRepository } from './repositories/chains.repository';

@Injectable()
export class ChainInstanceUsers implements OnModuleInit {
  constructor(
    private readonly users: InstanceUsers,
    private readonly chains: ChainsRepository,
  ) {}

  onModuleInit(): void {
    this.users.register({
      usersOf: async (tenantId, instanceUuid) =>
        (await this.chains.instanceUsers(tenantId, instanceUuid)).map((c) => ({
          kind: 'chain',
          id: c.id,
          name: c.name,
        })),
    });
  }
}
