import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { IntegrationsController } from './http/integrations.controller';
import { SeedAppsController } from './http/seed-apps.controller';
import { IntegrationsModule } from './integrations.module';

/** The integrations' routes (/api/v1/integrations and the seed's /apps/v1 paths), for apps/api. */
@Module({
  imports: [IntegrationsModule, TenantsModule],
  controllers: [IntegrationsController, SeedAppsController],
})
export class IntegrationsApiModule {}
