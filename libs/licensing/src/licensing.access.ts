// What licensing adds to the permissions:
// - the licence of the installation (one, not a tenant's): platform admins install licences; MSSP admins, who sell
//   what it allows to their customers, may read it. Tenant admins and below see nothing of it: the licensee and the
//   installation's quotas are the operator's business, not their customers';
// - MSSP allocations, set from above (a platform admin on any tenant but its own, an MSSP admin below its own tenant;
//   the service refuses anyone's own tenant), and usage: GET /api/v1/license/usage and the monthly compliance report
//   (GET /api/v1/license/report; MSSP admins see the subtree of the tenant they act in).
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    License: true;
    LicenseAllocation: true;
    LicenseUsage: true;
  }
}

/** The allocation of your own tenant: what your subtree may use. */
const readOwnAllocation: Grant = ({ can }, { home }) => can('read', 'LicenseAllocation', { id: home });

registerAccess({
  scopes: { License: 'license', LicenseAllocation: 'license_allocations', LicenseUsage: 'license_usage' },
  roles: {
    // Platform admins may manage everything already, but nobody sets the bounds of their own tenant.
    platform_admin: ({ cannot }, { home }) => cannot(['update', 'delete'], 'LicenseAllocation', { id: home }),
    mssp_admin: ({ can, cannot }, { home }) => {
      can('read', 'License');
      can('read', 'LicenseAllocation', { lineage: home });
      can(['update', 'delete'], 'LicenseAllocation', { lineage: home });
      cannot(['update', 'delete'], 'LicenseAllocation', { id: home });
      can('read', 'LicenseUsage');
    },
    tenant_admin: readOwnAllocation,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
