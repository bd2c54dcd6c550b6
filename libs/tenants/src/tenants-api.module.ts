import { Module } from '@nestjs/common';
import { TenantsController } from './http/tenants.controller';
import { UsersController } from './http/users.controller';
import { TenantsModule } from './tenants.module';

/** The tenants' routes (tenants, users), for apps/api. */
@Module({ imports: [TenantsModule], controllers: [TenantsController, UsersController] })
export class TenantsApiModule {}
