// What SSO adds to the permissions: a tenant's identity-provider connections, managed by its admins.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    SsoConnection: true;
  }
}

const manageConnections: Grant = ({ can }, { acting }) => can('manage', 'SsoConnection', acting);

registerAccess({
  scopes: { SsoConnection: 'sso_connections' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: manageConnections,
    tenant_admin: manageConnections,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
