// Test-only access to the local cluster as a superuser: template and per-suite databases.
import { Client } from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(client: Client, name: string): Promise<void> {
  await client.query(`UPDATE pg_database SET datistemplate = false WHERE datname = $1`, [name]);
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** Raw SQL as the owner in one database of the local cluster (row-level security does not apply). */
export async function sqlIn<R = Record<string, any>>(
  database: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/**
 * Tables of the control plane, which stay in the core database whatever a tenant's isolation (the switch's emptiness
 * check leaves them out too).
 */
export const CONTROL_PLANE_TABLES =
  /^(api_keys|audit_events|auth_sessions|inbound_source_directory|memberships|revoked_access_tokens|tenant_auth_settings|tenant_data_keys|licenses?_.*|licenses|sso_.*|scim_.*)$/;

/** Per base table with a tenant_id column (control plane aside), the rows of tenantId read by `run`: those with any. */
export async function tenantRows(
  run: (sql: string, params?: unknown[]) => Promise<Record<string, any>[]>,
  tenantId: string,
): Promise<Record<string, number>> {
  const tables = (
    await run(
      `SELECT c.table_name AS name FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'`,
    )
  )
    .map((r) => r.name as string)
    .filter((name) => !CONTROL_PLANE_TABLES.test(name));
  const counts: Record<string, number> = {};
  for (const name of tables) {
    const [{ n }] = await run(`SELECT count(*)::int AS n FROM "${name}" WHERE tenant_id = $1`, [tenantId]);
    if (n > 0) counts[name] = n;
  }
  return counts;
}
