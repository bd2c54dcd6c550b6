import { Module } from '@nestjs/common';
import { Migrations } from '@conduit/database';
import { TenantsModule } from '@conduit/tenants';
import { LICENSING_MIGRATIONS } from './migrations';

/**
 * Licensing: the licence in force (verified offline-signed licences, trial and community plans), quotas and their
 * usage, features, MSSP allocation. Other domains declare what they count and which feature a route needs; this lib
 * answers.
 */
@Migrations(...LICENSING_MIGRATIONS)
@Module({
  imports: [TenantsModule],
  providers: [],
  exports: [],
})
export class LicensingModule {}
