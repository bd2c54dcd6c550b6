// What licensing adds to the permissions: the licence of the installation (one, not a tenant's), its API-key scope, and
// who may see and change it. Platform admins install licences; MSSP admins, who sell what it allows to their
// customers, may read it. Tenant admins and below see nothing of it: the licensee and the installation's quotas are the
// operator's business, not their customers'.
import { NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    License: true;
  }
}

registerAccess({
  scopes: { License: 'license' },
  roles: {
    platform_admin: NOTHING, // manages everything already
    mssp_admin: ({ can }) => can('read', 'License'),
    tenant_admin: NOTHING,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
