// The SQL of choosing a tenant's database: whether a tenant has rows, and the switch of its registry row (tenants is a
// control-plane table: the caller is inside SystemContext.run(), or in the tenant for the emptiness check).
import { Injectable } from '@nestjs/common';
import { Client } from 'pg';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import type { TenantEntity } from '@conduit/tenants';

/**
 * Tables with a tenant_id that say nothing about whether the tenant has data to move: who signs in and how
 * (memberships, API keys, sessions, SSO, SCIM), its licence, its audit history, its data keys, which tenant owns each
 * inbound source (inbound_source_directory). A tenant has rows there from its first day; they stay in the core database
 * (docs/dedicated-tenants.md).
 */
const NOT_TENANT_DATA = [
  'api_keys',
  'audit_events',
  'auth_sessions',
  'inbound_source_directory',
  'memberships',
  'revoked_access_tokens',
  'tenant_auth_settings',
  'tenant_data_keys',
];
const NOT_TENANT_DATA_PREFIXES = ['license_', 'licenses', 'sso_', 'scim_'];

/** Whether a table with a tenant_id holds the tenant's data (what tenant:move copies), not its control plane. */
export function isTenantDataTable(name: string): boolean {
  return !NOT_TENANT_DATA.includes(name) && !NOT_TENANT_DATA_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Writes the tenant's own row into its dedicated database (as that database's owner, at ownerUrl): the foreign keys
 * of its tables and the due-work functions' join on tenants hold there. The core database's row stays the one the
 * application reads (TenantContext.coreEm); this copy carries no URL.
 */
export async function mirrorTenantRow(
  ownerUrl: string,
  tenant: Pick<TenantEntity, 'id' | 'code' | 'name' | 'status' | 'created_at' | 'updated_at'>,
): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO tenants (id, code, name, parent_id, status, settings, compliance_settings, isolation, created_at, updated_at)
       VALUES ($1, $2, $3, NULL, $4, '{}', '{}', 'dedicated', $5, $6)
       ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, status = excluded.status,
         isolation = 'dedicated', updated_at = excluded.updated_at`,
      [tenant.id, tenant.code, tenant.name, tenant.status, tenant.created_at, tenant.updated_at],
    );
  } finally {
    await client.end();
  }
}

@Injectable()
export class IsolationRepository {
  constructor(private readonly db: TenantContext) {}

  /**
   * The tables holding rows of the current tenant (call inside runInTenant: RLS shows only its rows). Every table of
   * the schema with a tenant_id column is asked, so a table a later migration adds is covered by itself.
   */
  async tablesWithRows(tenantId: TenantId): Promise<string[]> {
    const tables = (
      (await this.db.em.query(
        `SELECT c.table_name AS name
           FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
          WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
          ORDER BY 1`,
      )) as { name: string }[]
    )
      .map((r) => r.name)
      .filter(isTenantDataTable);
    if (tables.length === 0) return [];
    const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const rows = (await this.db.em.query(
      tables
        .map(
          (name, i) =>
            `SELECT $${i + 2}::text AS name WHERE EXISTS (SELECT 1 FROM ${ident(name)} WHERE tenant_id = $1)`,
        )
        .join(' UNION ALL '),
      [tenantId, ...tables],
    )) as { name: string }[];
    return rows.map((r) => r.name);
  }

  /** Makes the tenant dedicated with its sealed URL, as connected (the caller just migrated that database). */
  async makeDedicated(tenantId: TenantId, sealedUrl: string, now: Date): Promise<void> {
    await this.db.em.query(
      `UPDATE tenants SET isolation = 'dedicated', database_url_sealed = $2, connection_status = 'connected', updated_at = $3
        WHERE id = $1`,
      [tenantId, sealedUrl, now],
    );
  }

  /** The tenant's own row in its dedicated database (mirrorTenantRow). */
  async mirrorTenant(ownerUrl: string, tenant: TenantEntity): Promise<void> {
    await mirrorTenantRow(ownerUrl, tenant);
  }

  /** Whether the tenant already has a database of its own. */
  async hasDatabase(tenantId: TenantId): Promise<boolean> {
    const [row] = (await this.db.em.query(`SELECT database_url_sealed IS NOT NULL AS has FROM tenants WHERE id = $1`, [
      tenantId,
    ])) as { has: boolean }[];
    return Boolean(row?.has);
  }
}
