// Instances as dependents of their integration: they never block its deletion, and stop (status inactive) in the
// deleting transaction, each audited and announced as `instance.deactivated` like a descendant's (DescendantInstances,
// which handles the tenants below when a shared integration is withdrawn).
import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  DependentsSource,
  IntegrationDependent,
  IntegrationDependents,
  IntegrationRef,
} from '../integration-dependents';
import { DescendantInstances } from './descendant-instances';

@Injectable()
export class InstanceDependents implements DependentsSource, OnModuleInit {
  constructor(
    private readonly dependents: IntegrationDependents,
    private readonly descendants: DescendantInstances,
  ) {}

  onModuleInit(): void {
    this.dependents.register(this);
  }

  dependentsOf(_integration: IntegrationRef): Promise<IntegrationDependent[]> {
    return Promise.resolve([]);
  }

  async beforeDelete(integration: IntegrationRef): Promise<void> {
    await this.descendants.stopIn(integration.tenantId, integration, 'integration_deleted');
  }
}
