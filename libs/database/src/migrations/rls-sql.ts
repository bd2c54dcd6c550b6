// SQL building blocks shared by migrations: every tenant-owned table gets the same isolation policy.
// nullif(...,'') because a setting that was set once in a session reads back as '' afterwards, not NULL.
export const TENANT = `nullif(current_setting('app.tenant_id', true), '')::uuid`;

/**
 * Tenant isolation for every command; an optional narrow lookup (by key prefix, session id, user id) may only
 * widen what can be READ, never what can be changed or deleted.
 */
export function enableRls(table: string, lookup?: string): string {
  const isolation = `tenant_id = ${TENANT}`;
  return `
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
    CREATE POLICY ${table}_tenant_isolation ON ${table} USING (${isolation}) WITH CHECK (${isolation});${
      lookup ? `\n    CREATE POLICY ${table}_lookup ON ${table} FOR SELECT USING (${lookup});` : ''
    }`;
}
