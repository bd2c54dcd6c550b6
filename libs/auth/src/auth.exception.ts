import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type AuthErrorCode =
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'token_invalid'
  | 'token_expired'
  | 'token_revoked'
  | 'refresh_token_invalid'
  | 'refresh_token_reused'
  | 'api_key_invalid'
  | 'api_key_revoked'
  | 'api_key_expired'
  | 'api_key_creator_inactive'
  | 'user_disabled'
  | 'no_membership'
  | 'tenant_suspended'
  | 'tenant_inactive'
  | 'tenant_not_found'
  | 'api_key_not_found'
  | 'role_not_allowed'
  | 'scope_not_allowed'
  | 'expiry_not_allowed'
  | 'logout_requires_session'
  | 'login_locked'
  | 'sso_required'
  | 'sso_not_configured'
  | 'session_idle_expired'
  | 'session_not_found'
  | 'session_expiry_invalid'
  | 'session_expiry_in_past'
  | 'session_expiry_too_late'
  | 'sessions_require_user'
  | 'user_not_found';

const STATUS: Record<AuthErrorCode, HttpStatusCode> = {
  unauthenticated: 401,
  invalid_credentials: 401,
  token_invalid: 401,
  token_expired: 401,
  token_revoked: 401,
  refresh_token_invalid: 401,
  refresh_token_reused: 401,
  api_key_invalid: 401,
  api_key_revoked: 401,
  api_key_expired: 401,
  api_key_creator_inactive: 401,
  user_disabled: 403,
  no_membership: 403,
  tenant_suspended: 403,
  tenant_inactive: 403,
  tenant_not_found: 404,
  api_key_not_found: 404,
  role_not_allowed: 403,
  scope_not_allowed: 403,
  expiry_not_allowed: 403,
  logout_requires_session: 400,
  login_locked: 429,
  sso_required: 403,
  sso_not_configured: 400,
  session_idle_expired: 401,
  session_not_found: 404,
  session_expiry_invalid: 400,
  session_expiry_in_past: 400,
  session_expiry_too_late: 400,
  sessions_require_user: 400,
  user_not_found: 404,
};

export class AuthException extends ConduitException<AuthErrorCode> {
  constructor(code: AuthErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}

/** 429 login_locked: too many failed sign-ins; the caller sets Retry-After from retryAfterSeconds. */
export class LoginLockedException extends AuthException {
  constructor(readonly retryAfterSeconds: number) {
    super('login_locked', `Too many failed sign-in attempts; retry in ${retryAfterSeconds} s`);
  }
}
