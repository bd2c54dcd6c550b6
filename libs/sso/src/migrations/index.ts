import { SsoConnections1764210000000 } from './1764210000000-sso-connections';

/** The SSO lib's tables, in order. */
export const SSO_MIGRATIONS = [SsoConnections1764210000000];
