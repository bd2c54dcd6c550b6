// `npm run cli -- tenant:move` and `migrate` across databases (issue 21, docs/dedicated-tenants.md "Moving a tenant"
// and "Operations"). The move: the target checked and migrated as `PUT /api/v1/tenants/{id}/isolation` does, the
// tenant's rows copied while it works, checked, its writes paused (moving_since + NOTIFY: every process answers 503
// tenant_moving or, in the worker, waits), what changed copied, checked again, the switch in one core transaction, the
// pause ended. Old rows stay until `--cleanup`. Progress on stderr, the outcome as JSON on stdout.
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import {
  DatabaseSetupError,
  DatabaseUrls,
  MIGRATIONS_TABLE,
  MigrationClass,
  PLATFORM_MIGRATIONS,
  TENANT_MOVES_CHANNEL,
  dedicatedDatabaseUrls,
  dedicatedDatabases,
  describeDedicatedMigration,
  migrateDedicatedDatabase,
  migrateEveryDatabase,
  openDatabaseUrl,
  sealDatabaseUrl,
} from '@conduit/database';
import {
  IsolationException,
  describeDatabase,
  isTenantDataTable,
  mirrorTenantRow,
  parseDatabaseUrl,
} from '@conduit/isolation';
import { LicenseFeatures } from '@conduit/licensing';
import { ConduitConfig, MasterKeyring, TenantId } from '@conduit/platform';
import { CliModule } from './cli.module';
import { CommandFailedError, UsageError } from './cli-errors';
import { repairSourceDirectory } from './cli-source-directory';
import {
  MoveTable,
  TableCheck,
  checkTable,
  deleteTenantRows,
  moveTables,
  syncTable,
  tenantClient,
} from './tenant-move';

/** Session advisory lock (with the tenant's hash) held by a move or a cleanup for its whole run. */
const MOVE_LOCK_KEY = 7_346_190_221;
/** After the pause is announced, how long processes get to hear it before open transactions are waited for. */
const PAUSE_GRACE_MS = 1_000;
/** The longest wait for transactions open in the source database when the pause began; then the move is abandoned. */
const FENCE_TIMEOUT_MS = 30_000;
/**
 * Data keys are copied along (never cleaned up): the secrets of the copied rows are sealed with them, and whichever
 * database SecretBox reads them from, they are there.
 */
const COPIED_CONTROL_PLANE = ['tenant_data_keys'];

interface TenantRow {
  id: string;
  code: string;
  name: string;
  status: string;
  created_at: Date;
  updated_at: Date;
  database_url_sealed: string | null;
  moving_since: Date | null;
  left_database: string | null;
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const failed = (code: string, message: string) => new CommandFailedError(`${code}: ${message}`);
const where = (url: string) => describeDatabase(url);

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'conduit-tenant-move' });
  await client.connect();
  return client;
}

async function findTenant(core: Client, code: string): Promise<TenantRow> {
  const { rows } = await core.query<TenantRow>(
    `SELECT id, code, name, status, created_at, updated_at, database_url_sealed, moving_since, left_database
       FROM tenants WHERE code = $1 OR id::text = $1`,
    [code.toLowerCase()],
  );
  if (!rows[0]) throw new UsageError(`no tenant ${code}`);
  return rows[0];
}

/** The move lock of the tenant on the core connection, or tenant_moving when another move or cleanup holds it. */
async function lockTenant(core: Client, tenantId: string): Promise<void> {
  const { rows } = await core.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok`, [
    MOVE_LOCK_KEY % 2 ** 31,
    tenantId,
  ]);
  if (!rows[0]?.ok) throw failed('tenant_moving', 'another tenant:move of this tenant is running');
}

export async function runTenantMove(
  values: Record<string, string | boolean | undefined>,
  config: ConduitConfig,
  urls: DatabaseUrls,
): Promise<void> {
  const code = typeof values.tenant === 'string' ? values.tenant : undefined;
  if (!code) throw new UsageError('missing --tenant', true);
  if (values.cleanup === true) return cleanup(code, config, urls);
  const to = values.to;
  if (to !== 'dedicated' && to !== 'shared') throw new UsageError('--to must be dedicated or shared', true);
  const databaseUrl = typeof values['database-url'] === 'string' ? values['database-url'] : undefined;
  if (to === 'dedicated' && !databaseUrl) throw new UsageError('missing --database-url', true);
  if (to === 'shared' && databaseUrl) throw new UsageError('--database-url goes with --to dedicated only', true);
  const keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
  if (to === 'dedicated') {
    // The licence decides for operators as for the API's isolation route.
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
    try {
      await app.get(LicenseFeatures).assertFeature('dedicated_databases');
    } finally {
      await app.close();
    }
  }
  const core = await connect(urls.migrationUrl);
  try {
    const tenant = await findTenant(core, code);
    await lockTenant(core, tenant.id);
    if (tenant.left_database) {
      throw failed(
        'cleanup_required',
        `the rows of the previous move are still in the database the tenant left: run tenant:move --tenant ${tenant.code} --cleanup first`,
      );
    }
    const sourceUrl = tenant.database_url_sealed
      ? openDatabaseUrl(keyring, tenant.id as never, tenant.database_url_sealed)
      : urls.migrationUrl;
    let targetUrl: string;
    if (to === 'shared') {
      if (!tenant.database_url_sealed) throw failed('tenant_already_shared', 'the tenant is in the core database');
      targetUrl = urls.migrationUrl;
    } else {
      targetUrl = parseDatabaseUrl(databaseUrl as string, config.DEDICATED_DATABASE_HOSTS).url;
      if (tenant.database_url_sealed && where(targetUrl) === where(sourceUrl))
        throw failed('tenant_already_there', `the tenant's database is ${where(targetUrl)} already`);
      await prepareDedicated(config, targetUrl);
      await mirrorTenantRow(targetUrl, tenant as never).catch((err: unknown) => {
        throw new IsolationException(
          'database_setup_failed',
          `Preparing the database at ${where(targetUrl)} failed: ${(err as Error).message}`,
        );
      });
    }
    const label = (url: string) => (url === urls.migrationUrl ? `core (${where(url)})` : where(url));
    say(`tenant:move ${tenant.code}: ${label(sourceUrl)} -> ${label(targetUrl)}`);
    const summary = await move(core, tenant, sourceUrl, targetUrl, async (db) => {
      const sealed = to === 'dedicated' ? sealDatabaseUrl(keyring, tenant.id as never, targetUrl) : null;
      await db.query(
        `UPDATE tenants SET isolation = $2, database_url_sealed = $3, connection_status = $4, moving_since = NULL,
                left_database = $5, updated_at = now()
          WHERE id = $1`,
        [tenant.id, to, sealed, to === 'dedicated' ? 'connected' : null, tenant.database_url_sealed ?? 'core'],
      );
    });
    process.stdout.write(
      `${JSON.stringify({ tenant: tenant.code, isolation: to, database: to === 'dedicated' ? where(targetUrl) : 'core', ...summary })}\n`,
    );
    // The source directory is not moved (its entries name the tenant, not a database): checked against the sources
    // where they are now, so a source the left database held without an entry (docs/dedicated-tenants.md) gets one.
    await repairSourceDirectory(config, { tenants: [tenant.id as TenantId], say }).catch((err: unknown) =>
      say(`source directory not repaired (${(err as Error).message}): run sources:directory --repair`),
    );
  } finally {
    await core.end().catch(() => undefined);
  }
}

/** Reachable and migrated as the isolation route does; messages name host:port/database only. */
async function prepareDedicated(config: ConduitConfig, url: string): Promise<void> {
  try {
    await migrateDedicatedDatabase(API_MIGRATIONS, dedicatedDatabaseUrls(config, url));
  } catch (err) {
    if (err instanceof DatabaseSetupError && err.message.startsWith('cannot connect')) {
      throw new IsolationException('database_unreachable', `Cannot connect to the database at ${where(url)}`);
    }
    const reason = err instanceof DatabaseSetupError ? err.message : 'migrations failed';
    throw new IsolationException('database_setup_failed', `Preparing the database at ${where(url)} failed: ${reason}`);
  }
}

async function move(
  core: Client,
  tenant: TenantRow,
  sourceUrl: string,
  targetUrl: string,
  switchTenant: (core: Client) => Promise<void>,
): Promise<{ tables: Record<string, number>; paused_ms: number }> {
  const source = await tenantClient(sourceUrl, tenant.id);
  const target = await tenantClient(targetUrl, tenant.id).catch(async (err: unknown) => {
    await source.end();
    throw err;
  });
  let paused = false;
  let switched = false;
  let tables: MoveTable[] = [];
  try {
    const include = (name: string) => isTenantDataTable(name) || COPIED_CONTROL_PLANE.includes(name);
    tables = await moveTables(target, include);
    // First pass, while the tenant works.
    await syncAll(source, target, tables, tenant.id, 'copy');
    const first = await compare(source, target, tables, tenant.id);
    say(
      first.length === 0
        ? 'verified: every table matches'
        : `written meanwhile (copied again during the pause): ${first.join(', ')}`,
    );
    // The pause: every process stops opening work for the tenant, then what was open when it began is waited for.
    await core.query('BEGIN');
    await core.query(`UPDATE tenants SET moving_since = now() WHERE id = $1`, [tenant.id]);
    await core.query(`NOTIFY ${TENANT_MOVES_CHANNEL}`);
    await core.query('COMMIT');
    paused = true;
    const pausedAt = Date.now();
    say(`paused the tenant's writes; waiting for open transactions in the source database`);
    await new Promise((r) => setTimeout(r, PAUSE_GRACE_MS));
    await fence(source);
    await syncAll(source, target, tables, tenant.id, 'changes');
    const last = await compare(source, target, tables, tenant.id);
    if (last.length > 0)
      throw failed('move_verification_failed', `counts or checksums differ after the last copy: ${last.join(', ')}`);
    say('verified: every table matches');
    await core.query('BEGIN');
    try {
      await switchTenant(core);
      await core.query(`NOTIFY ${TENANT_MOVES_CHANNEL}`);
      await core.query('COMMIT');
    } catch (err) {
      await core.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    switched = true;
    const pausedMs = Date.now() - pausedAt;
    say(`switched; the tenant's writes resumed after ${pausedMs} ms`);
    const counts: Record<string, number> = {};
    for (const t of tables) counts[t.name] = (await checkTable(target, t, tenant.id)).rows;
    return { tables: Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)), paused_ms: pausedMs };
  } finally {
    if (!switched) {
      // Abandoned: the tenant stays where it was and works again; what was copied is taken out of the target.
      if (paused) {
        await core.query('ROLLBACK').catch(() => undefined);
        await core
          .query(`UPDATE tenants SET moving_since = NULL WHERE id = $1`, [tenant.id])
          .then(() => core.query(`NOTIFY ${TENANT_MOVES_CHANNEL}`))
          .catch(() => say('could not end the pause: set moving_since to NULL for the tenant in the core database'));
      }
      for (const t of [...tables].reverse()) await deleteTenantRows(target, t, tenant.id).catch(() => undefined);
      say('move abandoned: the tenant stays where it was and works again');
    }
    await source.end().catch(() => undefined);
    await target.end().catch(() => undefined);
  }
}

async function syncAll(
  source: Client,
  target: Client,
  tables: MoveTable[],
  tenantId: string,
  pass: 'copy' | 'changes',
): Promise<void> {
  // One snapshot of the source for the whole pass: the rows it copies hold together (a delivery's event is there too).
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await syncPass(source, target, tables, tenantId, pass);
  } finally {
    await source.query('COMMIT').catch(() => undefined);
  }
}

async function syncPass(
  source: Client,
  target: Client,
  tables: MoveTable[],
  tenantId: string,
  pass: 'copy' | 'changes',
): Promise<void> {
  for (const t of tables) {
    const n = await syncTable(source, target, t, tenantId, 'write', (done, total) => {
      if (total > 0 && (done === total || done % 5_000 === 0)) say(`  ${pass} ${t.name}: ${done}/${total} rows`);
    });
    if (n === 0 && pass === 'copy') say(`  ${pass} ${t.name}: 0 rows`);
  }
  for (const t of [...tables].reverse()) {
    const n = await syncTable(source, target, t, tenantId, 'delete');
    if (n > 0) say(`  ${pass} ${t.name}: ${n} rows deleted`);
  }
}

/** The tables whose count or checksum differ between the two databases. */
async function compare(source: Client, target: Client, tables: MoveTable[], tenantId: string): Promise<string[]> {
  const differ: string[] = [];
  for (const t of tables) {
    const [a, b]: TableCheck[] = await Promise.all([checkTable(source, t, tenantId), checkTable(target, t, tenantId)]);
    if (a.rows !== b.rows || a.checksum !== b.checksum) differ.push(`${t.name} (${a.rows}/${b.rows} rows)`);
  }
  return differ;
}

/**
 * Waits until no transaction that began before now is open in the source database (one that began before a process
 * heard of the pause may still write there). Needs the owner to see other roles' sessions (superuser or
 * pg_read_all_stats); otherwise it waits FENCE_TIMEOUT_MS.
 */
async function fence(source: Client): Promise<void> {
  const { rows } = await source.query<{ sees: boolean; now: Date }>(
    `SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
              OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS sees, clock_timestamp() AS now`,
  );
  const { sees, now } = rows[0] as { sees: boolean; now: Date };
  if (!sees) {
    say(`  the owner cannot see other sessions (pg_read_all_stats): waiting ${FENCE_TIMEOUT_MS} ms instead`);
    await new Promise((r) => setTimeout(r, FENCE_TIMEOUT_MS));
    return;
  }
  const deadline = Date.now() + FENCE_TIMEOUT_MS;
  for (;;) {
    const { rows: open } = await source.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < $1
          AND application_name <> 'conduit-tenant-move'`,
      [now],
    );
    if ((open[0]?.n ?? 0) === 0) return;
    if (Date.now() > deadline)
      throw failed('tenant_move_timeout', `${open[0]?.n} transactions stayed open in the source database`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `tenant:move --tenant CODE --cleanup`: the tenant's rows deleted from the database its last move left. */
async function cleanup(code: string, config: ConduitConfig, urls: DatabaseUrls): Promise<void> {
  const core = await connect(urls.migrationUrl);
  try {
    const tenant = await findTenant(core, code);
    await lockTenant(core, tenant.id);
    if (tenant.moving_since) throw failed('tenant_moving', 'the tenant is being moved');
    if (!tenant.left_database) {
      process.stdout.write(`${JSON.stringify({ tenant: tenant.code, deleted: {} })}\n`);
      say('nothing to clean up: no move left rows behind');
      return;
    }
    const leftCore = tenant.left_database === 'core';
    if (leftCore === (tenant.database_url_sealed === null))
      throw failed('cleanup_refused', 'the database the tenant left is its current one');
    const keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
    const url = leftCore ? urls.migrationUrl : openDatabaseUrl(keyring, tenant.id as never, tenant.left_database);
    say(`tenant:move ${tenant.code} --cleanup: ${leftCore ? 'core' : ''} ${where(url)}`);
    const client = await tenantClient(url, tenant.id);
    const deleted: Record<string, number> = {};
    try {
      const tables = await moveTables(client, isTenantDataTable);
      for (const t of [...tables].reverse()) {
        const n = await deleteTenantRows(client, t, tenant.id);
        if (n > 0) {
          deleted[t.name] = n;
          say(`  deleted ${t.name}: ${n} rows`);
        }
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await core.query(`UPDATE tenants SET left_database = NULL WHERE id = $1`, [tenant.id]);
    process.stdout.write(`${JSON.stringify({ tenant: tenant.code, deleted })}\n`);
  } finally {
    await core.end().catch(() => undefined);
  }
}

/** The dedicated tenants' codes and owner URLs, read from the core database. */
/** `migrate`: the core database, then every dedicated tenant's (the loop MIGRATE_ON_START runs too); one line each. */
export async function runMigrateAll(config: ConduitConfig, urls: DatabaseUrls): Promise<void> {
  const { core, dedicated } = await migrateEveryDatabase(config, API_MIGRATIONS, urls);
  process.stdout.write(core.applied.length ? `applied: ${core.applied.join(', ')}\n` : 'database is up to date\n');
  for (const m of dedicated) {
    process.stdout.write(`${describeDedicatedMigration(m)}\n`);
    // Exit 1 when one failed.
    if (m.failed) process.exitCode = 1;
  }
}

function migrationNames(migrations: readonly MigrationClass[]): string[] {
  return [...new Set([...PLATFORM_MIGRATIONS, ...migrations])].map(
    (M) => (new (M as unknown as new () => { name?: string })().name ?? M.name) as string,
  );
}

async function pendingIn(url: string, names: string[]): Promise<string[]> {
  const client = await connect(url);
  try {
    const { rows: exists } = await client.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [
      MIGRATIONS_TABLE,
    ]);
    if (!exists[0]?.t) return names;
    const { rows } = await client.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
    const done = new Set(rows.map((r) => r.name));
    return names.filter((n) => !done.has(n));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `migrate --status`: one JSON line per database, the core one then each dedicated tenant's (by code and
 * host:port/database, never a user or password), with its pending migrations. Exit 1 when one cannot be read.
 */
export async function runMigrateStatus(config: ConduitConfig, urls: DatabaseUrls): Promise<void> {
  const names = migrationNames(API_MIGRATIONS);
  const line = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(entry)}\n`);
  const status = async (url: string) => {
    const pending = await pendingIn(url, names);
    return { up_to_date: pending.length === 0, pending };
  };
  line({ database: 'core', where: where(urls.migrationUrl), ...(await status(urls.migrationUrl)) });
  for (const db of await dedicatedDatabases(config, urls)) {
    if (!db.url) {
      line({
        database: 'dedicated',
        tenant: db.code,
        error: 'its database URL cannot be unsealed with the master keyring',
      });
      process.exitCode = 1;
      continue;
    }
    try {
      line({ database: 'dedicated', tenant: db.code, where: where(db.url), ...(await status(db.url)) });
    } catch {
      line({ database: 'dedicated', tenant: db.code, where: where(db.url), error: 'unreachable' });
      process.exitCode = 1;
    }
  }
}
