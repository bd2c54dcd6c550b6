import { Module } from '@nestjs/common';
import { SsoModule } from './sso.module';

/** SSO's routes (connections, SAML sign-in and logout), for apps/api. */
@Module({
  imports: [SsoModule],
  controllers: [],
})
export class SsoApiModule {}
