import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { Migrations } from '@conduit/database';
import { LicensingModule } from '@conduit/licensing';
import { TenantsModule } from '@conduit/tenants';
import { IntegrationEntity } from './entities/integration.entity';
import { IntegrationDependents } from './integration-dependents';
import { IntegrationsService } from './integrations.service';
import { INTEGRATIONS_MIGRATIONS } from './migrations';
import { CatalogueCounters } from './repositories/catalogue-counters';
import { IntegrationsCounter } from './repositories/integrations.counter';
import { IntegrationsRepository } from './repositories/integrations.repository';
// Registers the Integration subject, its API-key scope and each role's rules with @conduit/access.
import './integrations.access';

/** The security-automation catalogue's integrations: definitions, field model, per-tenant numbers, logos, sharing. */
@Migrations(...INTEGRATIONS_MIGRATIONS)
@Module({
  imports: [TypeOrmModule.forFeature([IntegrationEntity]), AuditModule, LicensingModule, TenantsModule],
  providers: [
    CatalogueCounters,
    IntegrationsRepository,
    IntegrationsCounter,
    IntegrationDependents,
    IntegrationsService,
  ],
  exports: [TypeOrmModule, CatalogueCounters, IntegrationDependents, IntegrationsService],
})
export class IntegrationsModule {}
