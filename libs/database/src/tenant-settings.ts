// Names of the transaction-local settings that row-level security policies read.
export const TENANT_SETTING = 'app.tenant_id';
export const USER_SETTING = 'app.user_id';
export const API_KEY_LOOKUP_SETTING = 'app.api_key_prefix';
export const SESSION_LOOKUP_SETTING = 'app.session_id';
export const SOURCE_ID_LOOKUP_SETTING = 'app.source_id';
export const SOURCE_KEY_LOOKUP_SETTING = 'app.source_key';
export const SCIM_TOKEN_LOOKUP_SETTING = 'app.scim_token_prefix';

export type SessionSetting =
  | typeof TENANT_SETTING
  | typeof USER_SETTING
  | typeof API_KEY_LOOKUP_SETTING
  | typeof SESSION_LOOKUP_SETTING
  | typeof SOURCE_ID_LOOKUP_SETTING
  | typeof SOURCE_KEY_LOOKUP_SETTING
  | typeof SCIM_TOKEN_LOOKUP_SETTING;
