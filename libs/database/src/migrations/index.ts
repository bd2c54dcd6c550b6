import { Foundation1763900000000 } from './1763900000000-foundation';
import { DUE_WORK_FUNCTIONS, DueWorkTenants1763950000000 } from './1763950000000-due-work-tenants';
import { AnalyticsRollups1763980000000 } from './1763980000000-analytics-rollups';
import { ApiKeyRoles1763990000000 } from './1763990000000-api-key-roles';
import { AccountsSessions1764200000000 } from './1764200000000-accounts-sessions';
import { DedicatedTenants1764900000000 } from './1764900000000-dedicated-tenants';
import { TenantMoves1764910000000 } from './1764910000000-tenant-moves';
import type { MigrationClass } from './module-migrations';

export { enableRls } from './rls-sql';
export { Migrations, migrationsOf } from './module-migrations';
export type { MigrationClass } from './module-migrations';

/**
 * The platform's own migrations, run by every process before its domains' (each domain lib declares its own on its
 * module). Listed explicitly so bundled builds need no file globbing.
 * - Foundation: the control plane and the first tables of authentication, audit and data keys, from before domains
 *   were libs (kept whole: TypeORM knows a migration by its name). Later tables of those libs come in their own.
 * - DueWorkTenants: the SECURITY DEFINER functions ControlPlane.tenantsWithDueWork (control-plane.repository.ts) calls,
 *   the platform's one reviewed look across tenants; they read the webhooks', ingestion's and chains' due rows.
 * - AnalyticsRollups: the rollups every domain's analytics add up (libs/database/src/rollups), keyed by kind.
 * - AccountsSessions: per-membership status, name and last sign-in; how a session began; tenant session settings.
 * - DedicatedTenants: a dedicated tenant's sealed database URL and connection status (TenantDatabases routes by it).
 * - TenantMoves: a tenant's writes paused while tenant:move switches it (TenantMoves), and the database it left.
 */
export const PLATFORM_MIGRATIONS = [
  Foundation1763900000000,
  DueWorkTenants1763950000000,
  AnalyticsRollups1763980000000,
  ApiKeyRoles1763990000000,
  AccountsSessions1764200000000,
  DedicatedTenants1764900000000,
  TenantMoves1764910000000,
];

/** Tables the runtime role may only read and append to. */
export const APPEND_ONLY_TABLES = ['audit_events'];

/**
 * Functions the runtime role may execute; migrations revoke them from PUBLIC, the migrator grants them (it knows the
 * role).
 */
export const RUNTIME_FUNCTIONS = [...DUE_WORK_FUNCTIONS];

/** The platform's runtime functions and those the given migrations declare (their static `runtimeFunctions`). */
export function runtimeFunctionsOf(migrations: readonly MigrationClass[]): string[] {
  return [...new Set([...RUNTIME_FUNCTIONS, ...migrations.flatMap((m) => m.runtimeFunctions ?? [])])];
}
