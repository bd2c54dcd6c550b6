// The public surface of @conduit/auth: only what other packages use. Everything else is internal.
export { ApiKeysService } from './api-keys.service';
export { AuthApiModule } from './auth-api.module';
export { AuthModule } from './auth.module';
export { Authenticator } from './authenticator';
export { ApiKeyListResponse, ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './dto/api-key.dto';
export { LoginDto, MeResponse, RefreshDto, TokenResponse } from './dto/auth.dto';
export { MembershipLookup } from './membership-lookup';
export type { RequestMeta } from './request-meta';
export { REGISTERED_ON_OWN_PASSPORT } from './strategies/app-passport';
export { SessionService } from './session.service';
export type { SessionOrigin, TokenPair } from './session.service';
export { SsoLinks } from './sso-links';
export type { SsoDirectory, SsoLoginLink } from './sso-links';
export type { SessionMethod } from './entities/auth-session.entity';
export { assertMayAct } from './membership-lookup';
export type { ActiveMembership } from './membership-lookup';
export { TokenService } from './token.service';
