// Runs migrations as the owner, keeps the runtime role and its grants in step, and refuses unsafe runtime roles.
import { CodedError } from '@conduit/platform';
import { DataSource } from 'typeorm';
import type { ConduitConfig } from '@conduit/platform';
import { APPEND_ONLY_TABLES, MigrationClass, PLATFORM_MIGRATIONS, runtimeFunctionsOf } from './migrations';
import { DatabaseUrls, describeUrl, resolveDatabaseUrls } from './database-urls';

export const MIGRATIONS_TABLE = 'schema_migrations';
/**
 * The session advisory lock a migration run holds on its one connection, from before it reads what is applied until
 * its last statement: two processes migrating one database (API and worker starting together, a registry's probe and
 * `migrate`) run one after the other, and the second finds nothing left to apply. Advisory locks are per database, so
 * runs on different databases of one cluster go on side by side (see ensureRuntimeRole).
 */
export const MIGRATION_LOCK_KEY = 7_346_190_201;

/**
 * Injection token of the migrations of the whole schema a process composes (DatabaseModuleOptions.migrations; empty
 * when the process passed none): what a dedicated tenant's database is migrated with by the isolation route and by
 * TenantDatabases.
 */
export const SCHEMA_MIGRATIONS = 'conduit:schema-migrations';

/** The database could not be prepared (roles, grants, migrations); the message says which step. */
export class DatabaseSetupError extends CodedError<'database_setup_failed'> {
  readonly code = 'database_setup_failed';
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export interface MigrationResult {
  applied: string[];
  runtimeRole: string;
}

/**
 * Runs the platform's migrations and the given ones, those of the domains the caller composes (see migrationsOf): an
 * app passes its own, `migrate` and the tests the API's, which compose every domain.
 */
export async function migrateDatabase(
  config: ConduitConfig,
  migrations: readonly MigrationClass[],
  urls: DatabaseUrls = resolveDatabaseUrls(config),
): Promise<MigrationResult> {
  return migrateUnderLock(migrations, urls, async () => undefined);
}

/** migrateDatabase, then `finish` on the same connection before the lock is released. */
async function migrateUnderLock(
  migrations: readonly MigrationClass[],
  urls: DatabaseUrls,
  finish: (ds: DataSource) => Promise<void>,
): Promise<MigrationResult> {
  // One connection, so the session-level advisory lock covers every statement (replicas may start together).
  const ds = new DataSource({
    type: 'postgres',
    url: urls.migrationUrl,
    migrations: [...new Set([...PLATFORM_MIGRATIONS, ...migrations])],
    migrationsTableName: MIGRATIONS_TABLE,
    extra: { max: 1 },
    logging: false,
  });
  try {
    await ds.initialize();
  } catch (err) {
    throw new DatabaseSetupError(
      `cannot connect to PostgreSQL at ${describeUrl(urls.migrationUrl)}: ${(err as Error).message}`,
    );
  }
  try {
    // No statement_timeout a role or server may set: an index build or a backfill on a big table takes what it takes.
    await ds.query('SET statement_timeout = 0');
    await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await ensureRuntimeRole(ds, urls);
    // Each migration commits on its own (a failure undoes that migration alone and stops the run; the next run starts
    // from it). Under the lock either way: TypeORM reads the applied ones once, at the start of the run.
    const applied = await ds.runMigrations({ transaction: 'each' });
    await grantRuntimePrivileges(ds, urls.runtimeRole, runtimeFunctionsOf(migrations));
    await finish(ds);
    return { applied: applied.map((m) => m.name), runtimeRole: urls.runtimeRole };
  } finally {
    await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await ds.destroy();
  }
}

/**
 * Control-plane tables tenant tables point at whose rows are in the core database only. (A dedicated database holds one
 * row of tenants, its own tenant's, written when the tenant is made dedicated: its foreign keys and the due-work
 * functions' join on tenants hold there.)
 */
const CONTROL_PLANE_REFERENCED = ['users'];

/**
 * The shared catalogue's tables: a tenant's instance (and its runs, its ingestion state) may be of an integration, and
 * run a task, that a tenant above shares from another database (docs/dedicated-tenants.md, "Shared catalogue across
 * databases"). In a dedicated database the foreign keys from other tables to these go; those among them (tasks ->
 * integrations, a tenant's own tasks of its own integrations) stay.
 */
const CATALOGUE_REFERENCED = ['integrations', 'tasks'];

/**
 * Migrates a dedicated tenant's database (docs/dedicated-tenants.md): the same migrations and runtime role as the core
 * database, then without the foreign keys to the users table (created_by -> users) and, from other tables, to the
 * shared catalogue's (integrations, tasks). Those rows live in the core database (or, for a tenant above sharing its
 * catalogue, in its own), which no constraint of another database can check; row-level security still holds
 * every row to its tenant. Run again on every upgrade, so a foreign key a later migration adds goes too.
 */
export async function migrateDedicatedDatabase(
  migrations: readonly MigrationClass[],
  urls: DatabaseUrls,
): Promise<MigrationResult> {
  // Under the migration lock: two processes migrating this database at once must not both drop one constraint.
  return migrateUnderLock(migrations, urls, async (ds) => {
    // Each group keeps the foreign keys among its own tables (tasks -> integrations stays).
    for (const referenced of [CONTROL_PLANE_REFERENCED, CATALOGUE_REFERENCED]) {
      const constraints = (await ds.query(
        `SELECT c.conrelid::regclass::text AS "table", c.conname AS name
           FROM pg_constraint c
          WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
            AND c.confrelid::regclass::text = ANY($1) AND c.conrelid::regclass::text <> ALL($1)`,
        [referenced],
      )) as { table: string; name: string }[];
      for (const c of constraints) await ds.query(`ALTER TABLE ${c.table} DROP CONSTRAINT ${ident(c.name)}`);
    }
  });
}

/** PostgreSQL's answer to two sessions changing one row of a shared catalogue (pg_authid) at the same moment. */
const isConcurrentCatalogUpdate = (err: unknown) =>
  (err as { code?: string }).code === 'XX000' && /tuple concurrently updated/.test((err as Error).message);

async function ensureRuntimeRole(ds: DataSource, urls: DatabaseUrls): Promise<void> {
  const [me] = (await ds.query(
    'SELECT current_user AS name, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user',
  )) as { name: string; rolsuper: boolean; rolcreaterole: boolean }[];
  if (me?.name === urls.runtimeRole) {
    throw new DatabaseSetupError(
      `migrations must not run as the runtime role ${urls.runtimeRole}; set DATABASE_MIGRATION_URL to the owner`,
    );
  }
  const [existing] = (await ds.query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1', [
    urls.runtimeRole,
  ])) as {
    rolsuper: boolean;
    rolbypassrls: boolean;
  }[];
  const mayManage = Boolean(me?.rolsuper || me?.rolcreaterole);
  if (existing && (existing.rolsuper || existing.rolbypassrls)) {
    throw new DatabaseSetupError(
      `runtime role ${urls.runtimeRole} is a superuser or has BYPASSRLS; row-level security would not apply`,
    );
  }
  if (!existing && !mayManage) {
    throw new DatabaseSetupError(
      `runtime role ${urls.runtimeRole} does not exist and ${me?.name ?? 'the migration user'} may not create roles: create it (LOGIN NOSUPERUSER NOBYPASSRLS) or use an owner that may`,
    );
  }
  if (!mayManage) return;
  const attrs = `LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${literal(urls.runtimePassword)}`;
  // The role is the cluster's, and the migration lock is per database: two databases of one cluster migrating at once
  // (the core and a dedicated one, by API and worker starting together) may both create the role, or both alter it,
  // which PostgreSQL refuses to the second with "tuple concurrently updated". Both set the same: tried again.
  for (let attempt = 1; ; attempt++) {
    try {
      await ds.query(`${existing ? 'ALTER' : 'CREATE'} ROLE ${ident(urls.runtimeRole)} WITH ${attrs}`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code === '42710') return;
      if (!isConcurrentCatalogUpdate(err) || attempt === 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function grantRuntimePrivileges(ds: DataSource, role: string, functions: readonly string[]): Promise<void> {
  const r = ident(role);
  const [{ db }] = (await ds.query('SELECT current_database() AS db')) as { db: string }[];
  await ds.query(`GRANT CONNECT ON DATABASE ${ident(db)} TO ${r}`);
  await ds.query(`GRANT USAGE ON SCHEMA public TO ${r}`);
  await ds.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`);
  await ds.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`);
  await ds.query(`REVOKE ALL ON ${ident(MIGRATIONS_TABLE)} FROM ${r}`);
  for (const table of APPEND_ONLY_TABLES) {
    await ds.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${ident(table)} FROM ${r}`);
  }
  // SECURITY DEFINER functions: the runtime role only (PUBLIC's default EXECUTE is revoked where they are created).
  for (const fn of functions) {
    await ds.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${r}`);
  }
}

/** Called by every process before serving: the connection must not bypass row-level security. */
export async function assertSafeRuntimeRole(ds: DataSource): Promise<void> {
  const [role] = (await ds.query(
    'SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
  )) as { name: string; rolsuper: boolean; rolbypassrls: boolean }[];
  // Owning a table, or being a member of a role that does (its privileges are inherited: it could lift RLS with
  // ALTER TABLE, and owner-only policies apply to it), is refused alike.
  const [{ owned }] = (await ds.query(
    `SELECT count(*)::int AS owned FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND pg_has_role(current_user, c.relowner, 'MEMBER')`,
  )) as { owned: number }[];
  if (!role || role.rolsuper || role.rolbypassrls || owned > 0) {
    throw new DatabaseSetupError(
      `refusing to serve as database role ${role?.name ?? '?'}: it is a superuser, has BYPASSRLS, or owns tables (itself or through a role it is a member of). Point DATABASE_URL at the runtime role and DATABASE_MIGRATION_URL at the owner`,
    );
  }
}
