// The public surface of @conduit/auth: only what other packages use. Everything else is internal.
export { ApiKeysService } from './api-keys.service';
export { AuthApiModule } from './auth-api.module';
export { AuthModule } from './auth.module';
export { Authenticator } from './authenticator';
export { ApiKeyListResponse, ApiKeyResponse, CreateApiKeyDto, CreatedApiKeyResponse } from './dto/api-key.dto';
export { LoginDto, MeResponse, RefreshDto, TokenResponse } from './dto/auth.dto';
export { MembershipLookup } from './membership-lookup';
export type { RequestMeta } from './request-meta';
export { SessionService } from './session.service';
export { TokenService } from './token.service';
