// What tenants add to the permissions: tenants and users, their API-key scopes, and what each role may do with them.
import { Grant, registerAccess } from '@conduit/access';

declare module '@conduit/access' {
  interface SubjectRegistry {
    Tenant: true;
    User: true;
  }
}

const readOwnTenant: Grant = ({ can }, { home }) => can('read', 'Tenant', { id: home });

registerAccess({
  scopes: { Tenant: 'tenants', User: 'users' },
  roles: {
    // Nobody deletes their own home tenant: it would lock them out with it (services also refuse suspending it).
    platform_admin: ({ cannot }, { home }) => cannot('delete', 'Tenant', { id: home }),
    mssp_admin: ({ can, cannot }, { acting, home }) => {
      can('manage', 'User', acting);
      can('read', 'Tenant', { lineage: home });
      can(['create', 'update', 'delete'], 'Tenant', { lineage: home });
      cannot('delete', 'Tenant', { id: home });
    },
    tenant_admin: (rules, grantee) => {
      rules.can('manage', 'User', grantee.acting);
      readOwnTenant(rules, grantee);
    },
    analyst: readOwnTenant,
    viewer: readOwnTenant,
  },
});
