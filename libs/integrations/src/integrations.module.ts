import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { Migrations } from '@conduit/database';
import { LicensingModule } from '@conduit/licensing';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { IntegrationEntity } from './entities/integration.entity';
import { IntegrationDependents } from './integration-dependents';
import { DescendantInstances } from './instances/descendant-instances';
import { InstanceDependents } from './instances/instance-dependents';
import { InstanceUsers } from './instances/instance-users';
import { InstanceEntity } from './entities/instance.entity';
import { InstancesCounter } from './repositories/instances.counter';
import { InstanceHealthRepository } from './repositories/instance-health.repository';
import { InstancesRepository } from './repositories/instances.repository';
import { InstancesService } from './instances/instances.service';
import { IntegrationsService } from './integrations.service';
import { INTEGRATIONS_MIGRATIONS } from './migrations';
import { CatalogueCounters } from './repositories/catalogue-counters';
import { IntegrationsCounter } from './repositories/integrations.counter';
import { IntegrationsRepository } from './repositories/integrations.repository';
// Registers the Integration subject, its API-key scope and each role's rules with @conduit/access.
import './integrations.access';
import './instances/instances.access';

/**
 * The security-automation catalogue's integrations (definitions, field model, per-tenant numbers, logos, sharing)
 * and their instances (connections with sealed credentials).
 */
@Migrations(...INTEGRATIONS_MIGRATIONS)
@Module({
  imports: [
    TypeOrmModule.forFeature([IntegrationEntity, InstanceEntity]),
    AuditModule,
    LicensingModule,
    SecretsModule,
    TenantsModule,
    WebhooksModule,
  ],
  providers: [
    CatalogueCounters,
    IntegrationsRepository,
    IntegrationsCounter,
    IntegrationDependents,
    IntegrationsService,
    InstancesRepository,
    InstancesCounter,
    InstanceDependents,
    DescendantInstances,
    InstanceUsers,
    InstancesService,
    InstanceHealthRepository,
  ],
  exports: [
    TypeOrmModule,
    CatalogueCounters,
    IntegrationDependents,
    InstanceUsers,
    IntegrationsService,
    InstancesService,
    InstanceHealthRepository,
  ],
})
export class IntegrationsModule {}
