// What the monitors lib adds to the permissions: a tenant's HTTP monitors (and their checks and stats, read with
// them), read by every member, changed by its admins. API-key scope monitors:read / monitors:write.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Monitor: true;
  }
}

const manage: Grant = ({ can }, { acting }) => can('manage', 'Monitor', acting);
const read: Grant = ({ can }, { acting }) => can('read', 'Monitor', acting);

registerAccess({
  scopes: { Monitor: 'monitors' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: manage,
    tenant_admin: manage,
    analyst: read,
    viewer: read,
  },
});
