import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { IntegrationsController } from './http/integrations.controller';
import { SeedAppsController } from './http/seed-apps.controller';
import { InstancesController } from './instances/instances.controller';
import { IntegrationsModule } from './integrations.module';

/** The integrations' routes (/api/v1/integrations, /api/v1/instances and the seed's /apps/v1 paths), for apps/api. */
@Module({
  imports: [IntegrationsModule, TenantsModule],
  controllers: [IntegrationsController, SeedAppsController, InstancesController],
})
export class IntegrationsApiModule {}
