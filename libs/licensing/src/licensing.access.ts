// What licensing adds to the permissions: MSSP allocations (set from above: a platform admin on any tenant but its
// own, an MSSP admin below its own tenant; the service refuses anyone's own tenant) and the usage report.
import { Grant, NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    LicenseAllocation: true;
    LicenseUsage: true;
  }
}

/** The allocation of your own tenant: what your subtree may use. */
const readOwnAllocation: Grant = ({ can }, { home }) => can('read', 'LicenseAllocation', { id: home });

registerAccess({
  scopes: { LicenseAllocation: 'license_allocations', LicenseUsage: 'license_usage' },
  roles: {
    // Platform admins may manage everything already, but nobody sets the bounds of their own tenant.
    platform_admin: ({ cannot }, { home }) => cannot(['update', 'delete'], 'LicenseAllocation', { id: home }),
    mssp_admin: ({ can, cannot }, { home }) => {
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
