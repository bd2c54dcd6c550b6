// Names of the transaction-local settings that row-level security policies read.
export const TENANT_SETTING = 'app.tenant_id';
export const USER_SETTING = 'app.user_id';
export const API_KEY_LOOKUP_SETTING = 'app.api_key_prefix';
export const SESSION_LOOKUP_SETTING = 'app.session_id';
export const SOURCE_ID_LOOKUP_SETTING = 'app.source_id';
export const SOURCE_KEY_LOOKUP_SETTING = 'app.source_key';
export const SCIM_TOKEN_LOOKUP_SETTING = 'app.scim_token_prefix';
/** The inbound source directory (core database): which tenant owns a source a receive names, by id or by key. */
export const SOURCE_DIRECTORY_ID_LOOKUP_SETTING = 'app.directory_source_id';
export const SOURCE_DIRECTORY_KEY_LOOKUP_SETTING = 'app.directory_source_key';
/** SAML routes name their connection before its tenant is known; a sign-in code is exchanged before it too. */
export const SSO_CONNECTION_LOOKUP_SETTING = 'app.sso_connection_id';
export const SSO_CODE_LOOKUP_SETTING = 'app.sso_code_hash';
/** Shared catalogue: comma-separated ids of the tenants above the acting one (whose shared integrations it reads). */
export const CATALOGUE_OWNERS_SETTING = 'app.catalogue_owners';

export type SessionSetting =
  | typeof TENANT_SETTING
  | typeof USER_SETTING
  | typeof API_KEY_LOOKUP_SETTING
  | typeof SESSION_LOOKUP_SETTING
  | typeof SOURCE_ID_LOOKUP_SETTING
  | typeof SOURCE_KEY_LOOKUP_SETTING
  | typeof SOURCE_DIRECTORY_ID_LOOKUP_SETTING
  | typeof SOURCE_DIRECTORY_KEY_LOOKUP_SETTING
  | typeof SCIM_TOKEN_LOOKUP_SETTING
  | typeof SSO_CONNECTION_LOOKUP_SETTING
  | typeof SSO_CODE_LOOKUP_SETTING
  | typeof CATALOGUE_OWNERS_SETTING;
