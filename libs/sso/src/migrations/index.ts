import { SsoConnections1764210000000 } from './1764210000000-sso-connections';
import { SamlSignIn1764211000000 } from './1764211000000-saml-sign-in';

/** The SSO lib's tables, in order. */
export const SSO_MIGRATIONS = [SsoConnections1764210000000, SamlSignIn1764211000000];
