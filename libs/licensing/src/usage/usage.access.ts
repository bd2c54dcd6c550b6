// Who may read the licence's compliance report: platform admins (every tenant), MSSP admins (their subtree). Kept apart
// from licensing.access.ts (the licence and allocations) so each part of licensing registers its own subjects.
import { NOTHING, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    LicenseReport: true;
  }
}

registerAccess({
  scopes: { LicenseReport: 'license_reports' },
  roles: {
    // Platform admins may manage everything already.
    platform_admin: NOTHING,
    // The report then covers the tenant the request acts in and everything below it.
    mssp_admin: ({ can }, { acting }) => can('read', 'LicenseReport', acting),
    tenant_admin: NOTHING,
    analyst: NOTHING,
    viewer: NOTHING,
  },
});
