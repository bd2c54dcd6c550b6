import { Module } from '@nestjs/common';
import { LicensingModule } from '@conduit/licensing';
import { SamlController } from './http/saml.controller';
import { SsoConnectionsController } from './http/sso-connections.controller';
import { SsoModule } from './sso.module';

/** SSO's routes (connections, SAML sign-in and logout), for apps/api. */
@Module({
  imports: [SsoModule, LicensingModule], // @RequiresFeature's guard resolves here
  controllers: [SsoConnectionsController, SamlController],
})
export class SsoApiModule {}
