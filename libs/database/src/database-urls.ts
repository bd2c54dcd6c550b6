// Works out which URL runs migrations (owner) and which serves requests (runtime role without BYPASSRLS).
import type { ConduitConfig } from '@conduit/platform';
import { MasterKeyring } from '@conduit/platform/crypto';

export interface DatabaseUrls {
  migrationUrl: string;
  runtimeUrl: string;
  runtimeRole: string;
  runtimePassword: string;
}

export function runtimeRolePassword(config: ConduitConfig): string {
  if (config.DATABASE_RUNTIME_PASSWORD) return config.DATABASE_RUNTIME_PASSWORD;
  return MasterKeyring.parse(config.CONDUIT_MASTER_KEY)
    .deriveKey('conduit/database-runtime-password', 24)
    .toString('base64url');
}

export function resolveDatabaseUrls(config: ConduitConfig): DatabaseUrls {
  const runtimeRole = config.DATABASE_RUNTIME_ROLE;
  if (config.DATABASE_MIGRATION_URL) {
    const runtime = new URL(config.DATABASE_URL);
    const password = config.DATABASE_RUNTIME_PASSWORD ?? decodeURIComponent(runtime.password);
    return {
      migrationUrl: config.DATABASE_MIGRATION_URL,
      runtimeUrl: config.DATABASE_URL,
      runtimeRole: decodeURIComponent(runtime.username) || runtimeRole,
      runtimePassword: password || runtimeRolePassword(config),
    };
  }
  // One URL given: it belongs to an owner that may create roles; requests run as the derived runtime role.
  const runtimePassword = runtimeRolePassword(config);
  const runtime = new URL(config.DATABASE_URL);
  runtime.username = runtimeRole;
  runtime.password = runtimePassword;
  return { migrationUrl: config.DATABASE_URL, runtimeUrl: runtime.toString(), runtimeRole, runtimePassword };
}

/** Where a database is, without its user or password: `host:port/database` (what logs and outputs may name). */
export function databaseLocation(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.username || '(default user)'}@${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/**
 * The URLs of a dedicated tenant's database (docs/dedicated-tenants.md): `ownerUrl`, given by the platform admin, runs
 * its migrations; requests run there as the same runtime role as in the core database, with the same password (the
 * migrator creates or updates the role there).
 */
export function dedicatedDatabaseUrls(config: ConduitConfig, ownerUrl: string): DatabaseUrls {
  const { runtimeRole, runtimePassword } = resolveDatabaseUrls(config);
  const runtime = new URL(ownerUrl);
  runtime.username = runtimeRole;
  runtime.password = runtimePassword;
  return { migrationUrl: ownerUrl, runtimeUrl: runtime.toString(), runtimeRole, runtimePassword };
}
