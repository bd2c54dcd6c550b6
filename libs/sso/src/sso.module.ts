import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Migrations } from '@conduit/database';
import { SsoConnectionEntity } from './entities/sso-connection.entity';
import { SSO_MIGRATIONS } from './migrations';

/** Single sign-on: a tenant's identity-provider connections (SAML) and sign-in through them. */
@Migrations(...SSO_MIGRATIONS)
@Module({
  imports: [TypeOrmModule.forFeature([SsoConnectionEntity])],
  providers: [],
  exports: [TypeOrmModule],
})
export class SsoModule {}
