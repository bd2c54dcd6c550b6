import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { AuthModule } from '@conduit/auth';
import { Migrations } from '@conduit/database';
import { LicensingModule } from '@conduit/licensing';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { SsoConnectionEntity } from './entities/sso-connection.entity';
import { SSO_MIGRATIONS } from './migrations';
import { SamlStateRepository } from './repositories/saml-state.repository';
import { SsoConnectionsRepository } from './repositories/sso-connections.repository';
import { SamlLogoutService } from './saml-logout.service';
import { SamlSignInService } from './saml-sign-in.service';
import { SamlAuthenticator } from './saml/saml-authenticator';
import { SamlConnections } from './saml/saml-connections';
import { SamlStrategy } from './saml/saml-strategy';
import { SsoConnectionDirectory } from './sso-directory';
import { SsoConnectionsService } from './sso-connections.service';
// Registers SSO's subjects, their API-key scopes and each role's rules with @conduit/access.
import './sso.access';

/** Single sign-on: a tenant's identity-provider connections (SAML) and sign-in through them. */
@Migrations(...SSO_MIGRATIONS)
@Module({
  imports: [
    TypeOrmModule.forFeature([SsoConnectionEntity]),
    AuthModule,
    AuditModule,
    LicensingModule,
    SecretsModule,
    TenantsModule,
  ],
  providers: [
    SsoConnectionsRepository,
    SamlStateRepository,
    SsoConnectionsService,
    SamlConnections,
    // SAML's passport strategy (passport-saml's MultiSamlStrategy), run on this app's own Passport.
    SamlStrategy,
    SamlAuthenticator,
    SamlSignInService,
    SamlLogoutService,
    SsoConnectionDirectory,
  ],
  exports: [TypeOrmModule, SsoConnectionsService, SamlConnections, SamlSignInService, SamlLogoutService],
})
export class SsoModule {}
