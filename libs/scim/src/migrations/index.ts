import { Scim1764220000000 } from './1764220000000-scim';

/** The SCIM lib's tables, in order (after the SSO lib's: tokens reference sso_connections). */
export const SCIM_MIGRATIONS = [Scim1764220000000];
