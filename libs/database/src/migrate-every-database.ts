// Migrating every database of the installation: the core one, then each dedicated tenant's (docs/dedicated-tenants.md).
// One loop for `npm run cli -- migrate` (src/cli-move.ts) and MIGRATE_ON_START (the API's and the worker's main.ts,
// src/dev.ts). A dedicated database that fails is reported and the others go on: at start, the process starts anyway
// and TenantDatabases keeps that tenant at 503 until its probe has migrated it.
import { Client } from 'pg';
import { ConduitConfig, MasterKeyring, TenantId } from '@conduit/platform';
import type { MigrationClass } from './migrations';
import { DatabaseSetupError, MigrationResult, migrateDatabase, migrateDedicatedDatabase } from './migrator';
import { DatabaseUrls, databaseLocation, dedicatedDatabaseUrls, resolveDatabaseUrls } from './database-urls';
import { openDatabaseUrl } from './tenant-databases';

export interface DedicatedDatabase {
  tenantId: TenantId;
  code: string;
  /** The owner's URL; null when its sealed URL does not open with the master keyring. */
  url: string | null;
}

export interface DedicatedMigration {
  tenantId: TenantId;
  code: string;
  /** `host:port/database` (null when the URL did not open): never a user or a password. */
  where: string | null;
  applied?: string[];
  failed?: 'unreachable' | 'migrations failed' | 'its database URL cannot be unsealed with the master keyring';
  /** The error behind a failure, for the operator (PostgreSQL's message; the URL's password is never in it). */
  reason?: string;
}

/** Every tenant with a database of its own, read from the core database as its owner, with its URL opened. */
export async function dedicatedDatabases(config: ConduitConfig, urls: DatabaseUrls): Promise<DedicatedDatabase[]> {
  const core = new Client({ connectionString: urls.migrationUrl, application_name: 'conduit-migrate' });
  await core.connect();
  try {
    const { rows } = await core.query<{ id: TenantId; code: string; sealed: string }>(
      `SELECT id, code, database_url_sealed AS sealed FROM tenants WHERE database_url_sealed IS NOT NULL ORDER BY code`,
    );
    const keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
    return rows.map((r) => {
      try {
        return { tenantId: r.id, code: r.code, url: openDatabaseUrl(keyring, r.id, r.sealed) };
      } catch {
        return { tenantId: r.id, code: r.code, url: null };
      }
    });
  } finally {
    await core.end().catch(() => undefined);
  }
}

/** Migrates each dedicated database in turn (migrateDedicatedDatabase); a failure is reported, the others go on. */
export async function migrateDedicatedDatabases(
  config: ConduitConfig,
  migrations: readonly MigrationClass[],
  urls: DatabaseUrls,
): Promise<DedicatedMigration[]> {
  const outcomes: DedicatedMigration[] = [];
  // One after the other: an installation's dedicated databases often share a cluster, and an upgrade's index builds
  // are better not run on all of them at once.
  for (const db of await dedicatedDatabases(config, urls)) {
    const { tenantId, code } = db;
    if (!db.url) {
      outcomes.push({
        tenantId,
        code,
        where: null,
        failed: 'its database URL cannot be unsealed with the master keyring',
      });
      continue;
    }
    const where = databaseLocation(db.url);
    try {
      const result = await migrateDedicatedDatabase(migrations, dedicatedDatabaseUrls(config, db.url));
      outcomes.push({ tenantId, code, where, applied: result.applied });
    } catch (err) {
      const unreachable = err instanceof DatabaseSetupError && err.message.startsWith('cannot connect');
      outcomes.push({
        tenantId,
        code,
        where,
        failed: unreachable ? 'unreachable' : 'migrations failed',
        reason: (err as Error).message,
      });
    }
  }
  return outcomes;
}

/** `migrate`: the core database (its failure is thrown), then every dedicated one. */
export async function migrateEveryDatabase(
  config: ConduitConfig,
  migrations: readonly MigrationClass[],
  urls: DatabaseUrls = resolveDatabaseUrls(config),
): Promise<{ core: MigrationResult; dedicated: DedicatedMigration[] }> {
  const core = await migrateDatabase(config, migrations, urls);
  return { core, dedicated: await migrateDedicatedDatabases(config, migrations, urls) };
}

/** One dedicated database's outcome as `migrate` prints it. */
export function describeDedicatedMigration(m: DedicatedMigration): string {
  const name = m.where ? `tenant ${m.code} (${m.where})` : `tenant ${m.code}`;
  if (m.failed) return `${name}: failed: ${m.failed}`;
  return `${name}: ${m.applied?.length ? `applied ${m.applied.join(', ')}` : 'database is up to date'}`;
}

/**
 * MIGRATE_ON_START: what `migrate` does, told on `log` (the core database's migrations when any ran, each dedicated
 * database migrated or failed). A failing dedicated database does not stop the start: its tenant id is returned, for
 * the process's TenantDatabases (DatabaseModuleOptions.dedicatedToMigrate), which answers its tenant's calls with 503
 * tenant_database_unavailable until its probe, once the database answers, has migrated it.
 */
export async function migrateOnStart(
  config: ConduitConfig,
  migrations: readonly MigrationClass[],
  log: { info(line: string): void; warn(line: string): void },
): Promise<TenantId[]> {
  const { core, dedicated } = await migrateEveryDatabase(config, migrations);
  if (core.applied.length > 0) log.info(`applied migrations: ${core.applied.join(', ')}`);
  const behind: TenantId[] = [];
  for (const m of dedicated) {
    if (!m.failed) {
      if (m.applied?.length) log.info(describeDedicatedMigration(m));
      continue;
    }
    behind.push(m.tenantId);
    log.warn(
      `${describeDedicatedMigration(m)}${m.reason ? ` (${m.reason})` : ''}: its requests answer 503 ` +
        'tenant_database_unavailable until this process has migrated it (tried again when its database answers)',
    );
  }
  return behind;
}
