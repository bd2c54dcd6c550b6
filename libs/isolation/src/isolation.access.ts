// What the isolation lib adds to the permissions: choosing where a tenant's rows live. Platform admins only (they may
// manage everything already); nobody else, MSSP admins included: the setting names database hosts of the installation.
// API-key scope isolation:write.
import { NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    TenantIsolation: true;
  }
}

registerAccess({
  scopes: { TenantIsolation: 'isolation' },
  roles: {
    platform_admin: NOTHING, // platform admins may manage everything already
    mssp_admin: NOTHING,
    tenant_admin: NOTHING,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
