import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { TenantsModule } from '@conduit/tenants';
import { ApiKeysService } from './api-keys.service';
import { Authenticator } from './authenticator';
import { ApiKeyEntity } from './entities/api-key.entity';
import { AuthSessionEntity, RevokedAccessTokenEntity } from './entities/auth-session.entity';
import { TenantAuthSettingsEntity } from './entities/tenant-auth-settings.entity';
import { LoginLimiter } from './login-limiter';
import { SessionManagement } from './session-management.service';
import { TenantAuthSettingsRepository } from './repositories/tenant-auth-settings.repository';
import { MembershipLookup } from './membership-lookup';
import { AccessTokenCheck } from './repositories/access-token-check';
import { ApiKeyLookup } from './repositories/api-key-lookup';
import { ApiKeysRepository } from './repositories/api-keys.repository';
import { SessionsRepository } from './repositories/sessions.repository';
import { SessionService } from './session.service';
import { SsoLinks } from './sso-links';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import { ConduitJwtStrategy } from './strategies/conduit-jwt.strategy';
import { IdentityProviderJwtStrategy } from './strategies/identity-provider-jwt.strategy';
import { TokenService } from './token.service';
// Registers the auth subjects, their API-key scopes and each role's rules with @conduit/access.
import './auth.access';

@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKeyEntity, AuthSessionEntity, RevokedAccessTokenEntity, TenantAuthSettingsEntity]),
    TenantsModule,
    AuditModule,
  ],
  providers: [
    SessionsRepository,
    ApiKeysRepository,
    TokenService,
    SessionService,
    MembershipLookup,
    AccessTokenCheck,
    ApiKeyLookup,
    ApiKeysService,
    // One passport strategy per way in; Authenticator runs them on this app's own Passport.
    ApiKeyStrategy,
    ConduitJwtStrategy,
    IdentityProviderJwtStrategy,
    Authenticator,
    SsoLinks,
    LoginLimiter,
    TenantAuthSettingsRepository,
    SessionManagement,
  ],
  exports: [TokenService, SessionService, MembershipLookup, ApiKeysService, Authenticator, SsoLinks, SessionManagement],
})
export class AuthModule {}
