import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

/** SAML sign-in refusals: each is audited as a failed sign-in with the code as its reason. */
export type SamlRefusalCode =
  | 'saml_signature_invalid'
  | 'saml_audience_mismatch'
  | 'saml_expired'
  | 'saml_replayed'
  | 'saml_unknown_request'
  | 'saml_user_not_provisioned'
  | 'saml_no_role'
  | 'saml_connection_disabled'
  | 'saml_response_invalid';

export type SsoErrorCode =
  | SamlRefusalCode
  | 'sso_connection_not_found'
  | 'sso_connection_name_taken'
  | 'invalid_idp_metadata'
  | 'invalid_idp_settings'
  | 'invalid_certificate'
  | 'invalid_role_mapping'
  | 'role_not_allowed'
  | 'invalid_return_to'
  | 'saml_code_invalid'
  | 'saml_logout_invalid'
  | 'logout_requires_saml_session';

const STATUS: Record<SsoErrorCode, HttpStatusCode> = {
  saml_signature_invalid: 401,
  saml_audience_mismatch: 401,
  saml_expired: 401,
  saml_replayed: 401,
  saml_unknown_request: 401,
  saml_user_not_provisioned: 401,
  saml_no_role: 401,
  saml_connection_disabled: 401,
  saml_response_invalid: 401,
  sso_connection_not_found: 404,
  sso_connection_name_taken: 409,
  invalid_idp_metadata: 400,
  invalid_idp_settings: 400,
  invalid_certificate: 400,
  invalid_role_mapping: 400,
  role_not_allowed: 403,
  invalid_return_to: 400,
  saml_code_invalid: 401,
  saml_logout_invalid: 400,
  logout_requires_saml_session: 400,
};

export class SsoException extends ConduitException<SsoErrorCode> {
  constructor(code: SsoErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}

export const connectionNotFound = () => new SsoException('sso_connection_not_found', 'SSO connection not found');
