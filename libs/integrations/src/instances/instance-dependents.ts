// Instances as dependents of their integration: they never block its deletion, and stop (status inactive) in the
// deleting transaction. Only the deleting tenant's instances: another tenant's instances of a shared integration are
// out of its reach (row-level security) and stay as they are.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Clock } from '@conduit/platform';
import {
  DependentsSource,
  IntegrationDependent,
  IntegrationDependents,
  IntegrationRef,
} from '../integration-dependents';
import { InstancesRepository } from '../repositories/instances.repository';

@Injectable()
export class InstanceDependents implements DependentsSource, OnModuleInit {
  constructor(
    private readonly dependents: IntegrationDependents,
    private readonly instances: InstancesRepository,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.dependents.register(this);
  }

  dependentsOf(_integration: IntegrationRef): Promise<IntegrationDependent[]> {
    return Promise.resolve([]);
  }

  async beforeDelete(integration: IntegrationRef): Promise<void> {
    await this.instances.deactivateOf(integration.tenantId, integration.id, this.clock.now());
  }
}
