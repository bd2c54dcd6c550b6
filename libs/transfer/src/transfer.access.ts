// What the transfer lib adds to the permissions: exporting and importing a tenant's configuration. Exporting reads
// every kind it carries and importing creates and updates them, so both are for the tenant's admins (and MSSP admins
// acting in it); the resources' own rules apply too, as the import goes through their services.
// API-key scope transfer:read (export, schema) / transfer:write (import).
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Transfer: true;
  }
}

const manage: Grant = ({ can }, { acting }) => can('manage', 'Transfer', acting);

registerAccess({
  scopes: { Transfer: 'transfer' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: manage,
    tenant_admin: manage,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
