// The control-plane rule (docs/dedicated-tenants.md, "Control plane"): the tables about who signs in and the licence
// (sso_*, scim_*, users and memberships, sessions, API keys, sign-in settings, license_allocations and the licence's
// notices) are in the core database whatever the tenant's isolation. Their libs therefore never scope a tenant with
// runInTenant (which goes to a dedicated tenant's own database) but with runInTenantControlPlane, and their
// repositories never use TenantContext.em (the current transaction's, possibly a dedicated database's) but coreEm.
// eslint.config.mjs applies these; test/lint/control-plane.spec.ts proves they bite.

const why = 'is in the core database whatever the tenant (docs/dedicated-tenants.md, "Control plane")';

/** The libs whose every table is control plane. */
export const CONTROL_PLANE_LIBS = ['libs/sso/src/**/*.ts', 'libs/scim/src/**/*.ts', 'libs/auth/src/**/*.ts'];

/** Control-plane repositories of libs that also hold tenant tables (or reach them). */
export const CONTROL_PLANE_REPOSITORIES = [
  'libs/sso/src/repositories/**/*.ts',
  'libs/scim/src/repositories/**/*.ts',
  'libs/auth/src/repositories/**/*.ts',
  'libs/tenants/src/repositories/users.repository.ts',
  'libs/tenants/src/repositories/tenants.repository.ts',
  'libs/licensing/src/repositories/allocations.repository.ts',
  'libs/licensing/src/repositories/license-notices.repository.ts',
  'libs/licensing/src/repositories/licenses.repository.ts',
  'libs/licensing/src/repositories/member-counts.repository.ts',
  'libs/licensing/src/repositories/quota-notices.repository.ts',
  'libs/ingestion/src/repositories/source-directory.repository.ts',
];

/** Services of other libs that only ever write control-plane rows. */
const CONTROL_PLANE_SERVICES = [
  'libs/tenants/src/operator.service.ts',
  'libs/tenants/src/users.service.ts',
  'libs/tenants/src/user-accounts.ts',
];

const RUN_IN_TENANT = {
  property: 'runInTenant',
  message: `runInTenant goes to a dedicated tenant's own database: use runInTenantControlPlane, this lib's data ${why}.`,
};

const EM = {
  property: 'em',
  message: `TenantContext.em may be a dedicated tenant's transaction: use coreEm, this repository's table ${why}.`,
};

/**
 * Flat-config entries; `keep` are the no-restricted-properties entries these files have besides (a later entry's
 * options replace an earlier one's).
 */
export const controlPlaneConfigs = (keep = []) => [
  {
    files: [...CONTROL_PLANE_LIBS, ...CONTROL_PLANE_SERVICES],
    ignores: ['**/*.spec.ts', '**/migrations/**'],
    rules: { 'no-restricted-properties': ['error', ...keep, RUN_IN_TENANT] },
  },
  {
    files: CONTROL_PLANE_REPOSITORIES,
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-properties': ['error', ...keep, RUN_IN_TENANT, EM] },
  },
];
