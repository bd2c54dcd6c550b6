// What authentication adds to the permissions: API keys, their scope, and who may manage them.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    ApiKey: true;
    AuthSettings: true;
  }
}

const manageKeys: Grant = ({ can }, { acting }) => can('manage', 'ApiKey', acting);
// A tenant's session limits and enforced SSO: its admins (and an MSSP admin acting in it).
const manageAuth: Grant = (rules, grantee) => {
  manageKeys(rules, grantee);
  rules.can('manage', 'AuthSettings', grantee.acting);
};

registerAccess({
  scopes: { ApiKey: 'api_keys', AuthSettings: 'auth_settings' },
  roles: {
    platform_admin: NOTHING,
    mssp_admin: manageAuth,
    tenant_admin: manageAuth,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
