// A tenant's id as the type system knows it: tenant-scoped repository methods take a TenantId, so a plain string (a
// path parameter, a body field, an id read from another table) does not compile there. A TenantId comes from a trust
// boundary only: the request's principal and acting tenant (AccessService.tenant()), a job's validated tenant_id, or a
// row the database returned (the tenants table, a tenant-owned row's tenant_id, the control plane's tenant lists).

export type TenantId = string & { readonly __brand: 'TenantId' };

/**
 * Marks an id as a tenant's. Call it only where the id has been established as one: where a token, a job payload or
 * a database row hands it over (grep asTenantId to review them all), never on input a caller chose.
 */
export function asTenantId(id: string): TenantId {
  return id as TenantId;
}
