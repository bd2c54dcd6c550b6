// What authentication adds to the permissions: API keys, their scope, and who may manage them.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    ApiKey: true;
  }
}

const manageKeys: Grant = ({ can }, { acting }) => can('manage', 'ApiKey', acting);

registerAccess({
  scopes: { ApiKey: 'api_keys' },
  roles: {
    platform_admin: NOTHING,
    mssp_admin: manageKeys,
    tenant_admin: manageKeys,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
