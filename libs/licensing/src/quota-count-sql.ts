// SQL building blocks for the migrations of domains that count a quota (see docs/licensing.md, "Quotas").

/**
 * A SECURITY DEFINER function `name()` returning `(tenant_id uuid, n integer)`: how many rows of a tenant-owned table
 * (matching `where`, over the table's alias `r`) each live tenant holds. The quotas are checked over a tenant's whole
 * subtree and the installation, which the runtime role cannot see under row-level security: this reveals counts per
 * tenant and nothing else. Revoked from PUBLIC; name it in the migration's static `runtimeFunctions` so the migrator
 * grants it to the runtime role. FORCE ROW LEVEL SECURITY binds the owner too (unless it is a superuser or BYPASSRLS),
 * so the owner gets a read policy of its own on the table.
 */
export function quotaCountFunction(name: string, table: string, where = 'true'): string {
  return `
    CREATE POLICY ${table}_owner_quota_count ON ${table} FOR SELECT TO CURRENT_USER USING (true);
    CREATE FUNCTION ${name}() RETURNS TABLE (tenant_id uuid, n integer)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $fn$
      SELECT r.tenant_id, count(*)::integer
        FROM public.${table} r
        JOIN public.tenants t ON t.id = r.tenant_id AND t.deleted_at IS NULL
       WHERE ${where}
       GROUP BY r.tenant_id
    $fn$;
    REVOKE ALL ON FUNCTION ${name}() FROM PUBLIC;`;
}

/** Undoes quotaCountFunction. */
export function dropQuotaCountFunction(name: string, table: string): string {
  return `
    DROP FUNCTION ${name}();
    DROP POLICY ${table}_owner_quota_count ON ${table};`;
}
