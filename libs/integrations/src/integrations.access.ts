// What the integrations lib adds to the permissions: the tenant's catalogue, read by all its members, changed by
// its admins.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Integration: true;
  }
}

const manage: Grant = ({ can }, { acting }) => can('manage', 'Integration', acting);
const read: Grant = ({ can }, { acting }) => can('read', 'Integration', acting);

registerAccess({
  scopes: { Integration: 'integrations' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: manage,
    tenant_admin: manage,
    analyst: read,
    viewer: read,
  },
});
