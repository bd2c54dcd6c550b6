// What instances add to the permissions: a tenant's connections to its tools, read by analysts (and viewers), changed
// by its admins.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Instance: true;
  }
}

const manage: Grant = ({ can }, { acting }) => can('manage', 'Instance', acting);
const read: Grant = ({ can }, { acting }) => can('read', 'Instance', acting);

registerAccess({
  scopes: { Instance: 'instances' },
  roles: {
    platform_admin: NOTHING,
    mssp_admin: manage,
    tenant_admin: manage,
    analyst: read,
    viewer: read,
  },
});
