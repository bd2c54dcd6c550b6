import { Module } from '@nestjs/common';
import { AuditModule } from '@conduit/audit';
import { LicensingModule } from '@conduit/licensing';
import { TenantsModule } from '@conduit/tenants';
import { IsolationController } from './http/isolation.controller';
import { IsolationService } from './isolation.service';
import { IsolationRepository } from './repositories/isolation.repository';
// Registers the TenantIsolation subject, its API-key scope and each role's rules with @conduit/access.
import './isolation.access';

/**
 * Where a tenant's rows live (issue 21): the platform admin's switch of a tenant to a database of its own. Its columns
 * are on tenants (the platform's DedicatedTenants migration, as libs/database routes by them); the routing itself is
 * TenantDatabases in libs/database.
 */
@Module({
  imports: [TenantsModule, AuditModule],
  providers: [IsolationRepository, IsolationService],
  exports: [IsolationService],
})
export class IsolationModule {}

/** The isolation route, for apps/api. */
@Module({
  // LicensingModule: the route's @RequiresFeature('dedicated_databases') guard.
  imports: [IsolationModule, LicensingModule],
  controllers: [IsolationController],
})
export class IsolationApiModule {}
