// Which database holds a tenant's rows (docs/dedicated-tenants.md): the core database for a shared tenant, its own for
// a dedicated one. TenantContext and TenantRoundTrip ask here for every transaction or round trip they open for a
// tenant, so the shared path must cost nothing: the set of dedicated tenants is kept in memory (read from the core
// database at start and when it changes), and a shared tenant's lookup is one Map lookup, with no query and no await.
// A dedicated tenant's DataSource is created on first use, its pool capped by DEDICATED_POOL_SIZE and its connections
// closed after DEDICATED_POOL_IDLE_MS unused, so idle dedicated tenants hold no connection, and all of them together
// under DEDICATED_MAX_CONNECTIONS (ConnectionBudget). Each dedicated database has its own health
// (TenantDatabaseHealth): its connection_status, written to the core database's tenants row when it changes, and the
// backoff of its reconnection, during which its tenant's calls fail at once (503) and a probe tries it again. A
// dedicated database MIGRATE_ON_START could not migrate (away at start) is refused the same way until the probe has
// migrated it.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, ClientConfig, Pool } from 'pg';
import type { Counter } from 'prom-client';
import { DataSource, DataSourceOptions, EntityManager } from 'typeorm';
import {
  ConduitConfig,
  DecryptionError,
  InjectConfig,
  MasterKeyring,
  MetricsRegistry,
  TenantId,
  decryptWithDataKey,
  encryptWithDataKey,
  generateDataKey,
} from '@conduit/platform';
import { ConnectionBudget } from './connection-budget';
import { markConnectionLost } from './database-availability';
import { databaseLocation, dedicatedDatabaseUrls } from './database-urls';
import type { MigrationClass } from './migrations';
import { SCHEMA_MIGRATIONS, migrateDedicatedDatabase } from './migrator';
import { TenantDatabaseUnavailableError, isDatabaseUnavailable } from './sql-errors';
import { ConnectionStatus, TenantDatabaseHealth } from './tenant-database-health';
import { registerTenantDatabaseMetrics } from './tenant-database-metrics';

/** The key of the core database among transactions' databases (a dedicated one's is its tenant's id). */
export const CORE_DATABASE = 'core';

/** How often a process re-reads the dedicated tenants, when dedicated databases are allowed at all. */
const REFRESH_MS = 5_000;
/** How often the databases in backoff are looked at: one whose backoff ran out is probed (one SELECT 1). */
const PROBE_TICK_MS = 500;
/**
 * Injection token of DatabaseModuleOptions.dedicatedToMigrate: the dedicated tenants whose database the start-up
 * migration (migrateOnStart) could not migrate.
 */
export const DEDICATED_TO_MIGRATE = 'conduit:dedicated-to-migrate';

/** How many dedicated databases a sweep or a quota count asks at once (and probes migrate at once). */
export const DEDICATED_CONCURRENCY = 8;

/** fn over items, at most `limit` at once; the results in the items' order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const at = next++;
      results[at] = await fn(items[at]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** pg-pool's idle connections (oldest released first) and its way to close one: no public API closes one. */
type PoolInternals = Pool & { _idle: { client: Client }[]; _remove(client: Client): void };

const urlAad = (tenantId: TenantId) => JSON.stringify(['conduit.dedicated-database-url.v1', tenantId]);

/**
 * Seals a dedicated database's URL (it carries the owner's password): a fresh data key wrapped by the master keyring
 * (with its key id, for rotation), the URL encrypted with it and bound to the tenant. Not the tenant's own data key:
 * that key is a row of the tenant's database, which this URL is needed to reach.
 */
export function sealDatabaseUrl(keyring: MasterKeyring, tenantId: TenantId, url: string): string {
  const dataKey = generateDataKey();
  return `${keyring.wrapDataKey(dataKey)}:${encryptWithDataKey(dataKey, url, urlAad(tenantId))}`;
}

export function openDatabaseUrl(keyring: MasterKeyring, tenantId: TenantId, sealed: string): string {
  const [wrapped, box] = sealed.split(':');
  return decryptWithDataKey(keyring.unwrapDataKey(wrapped), box ?? '', urlAad(tenantId)).toString('utf8');
}

@Injectable()
export class TenantDatabases implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TenantDatabases');
  readonly #keyring: MasterKeyring;
  /** Dedicated tenants: id → sealed URL. */
  #dedicated = new Map<TenantId, string>();
  /** Those of them not deleted (due work is looked for in live tenants only, as in the core database). */
  #live: TenantId[] = [];
  readonly #sources = new Map<TenantId, { sealed: string; source: Promise<DataSource>; opened?: DataSource }>();
  #loaded = false;
  #loading: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  /** Each dedicated database's health in this process (its own watch: one tenant's database down is not the core's). */
  readonly #health = new Map<TenantId, TenantDatabaseHealth>();
  /** connection_status as last read from or written to the core database's tenants row. */
  readonly #persisted = new Map<TenantId, ConnectionStatus | null>();
  /** Statuses this process changed but could not write (the core database away): written at the next refresh. */
  readonly #unwritten = new Set<TenantId>();
  readonly #probing = new Set<TenantId>();
  /**
   * Dedicated databases this process must migrate before its tenant is served (the start-up migration could not), with
   * the sealed URL they were found under (null until the registry is read): a tenant moved meanwhile leaves the set.
   */
  readonly #toMigrate = new Map<TenantId, string | null>();
  /** Probes migrating now (at most DEDICATED_CONCURRENCY). */
  #migrating = 0;
  /** When each dedicated pool last handed out a connection: the least recently used gives its idle ones up first. */
  readonly #lastUsed = new Map<TenantId, number>();
  readonly #budget: ConnectionBudget;
  readonly #errors: Counter<'tenant'> | undefined;

  constructor(
    @InjectDataSource() private readonly core: DataSource,
    @InjectConfig() private readonly config: ConduitConfig,
    // Backoff and last use are measured in real time (performance.now), not Clock: a test's frozen clock must not hold
    // a database in backoff for ever.
    @Optional() metrics?: MetricsRegistry,
    @Optional() @Inject(SCHEMA_MIGRATIONS) private readonly migrations: readonly MigrationClass[] = [],
    @Optional() @Inject(DEDICATED_TO_MIGRATE) toMigrate: readonly TenantId[] = [],
  ) {
    this.#keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
    // Failed from the start (status `error`, written to the core database at the first read of the registry): their
    // calls are refused and the probe, whose turn comes after the first backoff, migrates them.
    const now = performance.now();
    for (const tenantId of toMigrate) {
      this.#toMigrate.set(tenantId, null);
      this.healthOf(tenantId).failed(now);
      this.#unwritten.add(tenantId);
    }
    this.#budget = new ConnectionBudget(config.DEDICATED_MAX_CONNECTIONS, () => this.closeIdleConnection());
    this.#errors = metrics
      ? registerTenantDatabaseMetrics(metrics, {
          pools: () => this.openPools(),
          statuses: () => [...this.#health].map(([tenantId, h]) => [tenantId, h.status] as const),
          budget: this.#budget,
        })
      : undefined;
  }

  /** Connections to dedicated databases open (or opening) now, the most there may be, and those waiting for a slot. */
  get connections(): { open: number; max: number; waiting: number } {
    return { open: this.#budget.used, max: this.#budget.max, waiting: this.#budget.waiting };
  }

  /** The pools of the dedicated databases opened in this process. */
  private openPools(): [TenantId, Pool][] {
    const pools: [TenantId, Pool][] = [];
    for (const [tenantId, entry] of this.#sources) if (entry.opened) pools.push([tenantId, poolOf(entry.opened)]);
    return pools;
  }

  /** A dedicated tenant's connection_status in this process (undefined: not connected nor failed yet here). */
  statusOf(tenantId: TenantId): ConnectionStatus | undefined {
    return this.#health.get(tenantId)?.status;
  }

  /** Milliseconds left of the backoff of tenantId's database (0: its calls may try it). */
  backoffRemainingMs(tenantId: TenantId): number {
    return this.#health.get(tenantId)?.backoffRemainingMs(performance.now()) ?? 0;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Read now so the first requests find it loaded; a failure here (database away at start) is retried on first use.
    await this.refresh().catch((err: unknown) => {
      if (!isDatabaseUnavailable(err)) this.logger.warn(`dedicated tenants not read yet: ${(err as Error).message}`);
    });
    this.#probeTimer = setInterval(() => this.probeDue(), PROBE_TICK_MS);
    this.#probeTimer.unref();
    if (this.config.DEDICATED_DATABASE_HOSTS.length > 0) {
      this.#timer = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_MS);
      this.#timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#probeTimer);
    const sources = [...this.#sources.values()];
    this.#sources.clear();
    await Promise.all(sources.map(async (s) => (await s.source.catch(() => null))?.destroy().catch(() => undefined)));
  }

  /**
   * The key of the database holding tenantId's rows: CORE_DATABASE or the tenant's id. Synchronous once the registry
   * is loaded (always, after start), which is what keeps the shared path free of awaits.
   */
  databaseOf(tenantId: string): string | Promise<string> {
    if (this.#loaded) return this.#dedicated.has(tenantId as TenantId) ? tenantId : CORE_DATABASE;
    return this.refresh().then(() => this.databaseOf(tenantId));
  }

  /** The core database's EntityManager outside any transaction. */
  get coreManager(): EntityManager {
    return this.core.manager;
  }

  /** The live dedicated tenants' ids, in id order (for the sweeps, which ask each one's database for due work). */
  dedicatedTenants(): TenantId[] {
    return this.#live;
  }

  /**
   * Whether a due-work function (ControlPlane.tenantsWithDueWork's SECURITY DEFINER functions, created in every
   * database by the same migrations) names tenantId in its own database. false when that database is away (noticed).
   */
  async hasDueWork(tenantId: TenantId, sql: string, params: unknown[]): Promise<boolean> {
    // While its backoff runs, dataSource() refuses at once: the database is not asked (its work waits).
    try {
      const rows = (await (await this.dataSource(tenantId)).query(sql, params)) as { tenant_id: string }[];
      return rows.some((r) => r.tenant_id === tenantId);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      return false;
    }
  }

  /**
   * What a per-tenant count function (a quota's quotaCountFunction, created in every database by the same migrations)
   * answers for tenantId in its own database, read outside any transaction (committed rows); only that tenant's row
   * counts. null when that database is away (noticed).
   */
  async countIn(tenantId: TenantId, sql: string): Promise<number | null> {
    try {
      const rows = (await (await this.dataSource(tenantId)).query(sql)) as { tenant_id: string; n: number }[];
      return rows.find((r) => r.tenant_id === tenantId)?.n ?? 0;
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      return null;
    }
  }

  /**
   * The DataSource of a database key (CORE_DATABASE: the core one). While a dedicated database's reconnection backs
   * off, rejects at once with TenantDatabaseUnavailableError (Retry-After: the backoff left), trying nothing.
   */
  async dataSource(key: string): Promise<DataSource> {
    if (key === CORE_DATABASE) return this.core;
    const tenantId = key as TenantId;
    const waitMs = this.backoffRemainingMs(tenantId);
    if ((waitMs > 0 || this.#toMigrate.has(tenantId)) && this.#dedicated.has(tenantId)) {
      // Not yet migrated: on the old schema its statements would fail in ways no caller can tell from a bug.
      throw new TenantDatabaseUnavailableError(tenantId, undefined, Math.max(1, Math.ceil(waitMs / 1000)));
    }
    return this.sourceOf(tenantId);
  }

  private sourceOf(tenantId: TenantId): Promise<DataSource> {
    const sealed = this.#dedicated.get(tenantId);
    if (!sealed) return Promise.resolve(this.core);
    const known = this.#sources.get(tenantId);
    if (known && known.sealed === sealed) return known.source;
    const source = this.open(tenantId, sealed);
    const entry: { sealed: string; source: Promise<DataSource>; opened?: DataSource } = { sealed, source };
    this.#sources.set(tenantId, entry);
    source.then(
      (ds) => (entry.opened = ds),
      // A failed first connection is not kept: the next use tries again.
      () => {
        if (this.#sources.get(tenantId)?.source === source) this.#sources.delete(tenantId);
      },
    );
    return source;
  }

  /** The pg pool of a database key (what TenantRoundTrip sends its one-message statements to). */
  async pool(key: string): Promise<Pool> {
    return poolOf(await this.dataSource(key));
  }

  /** Re-reads the dedicated tenants from the core database; pools of tenants no longer dedicated (or moved) close. */
  refresh(): Promise<void> {
    this.#loading ??= this.load().finally(() => (this.#loading = null));
    return this.#loading;
  }

  private async load(): Promise<void> {
    const rows = (await this.core.query(
      `SELECT id, database_url_sealed, deleted_at IS NULL AS live, connection_status FROM tenants
        WHERE database_url_sealed IS NOT NULL ORDER BY id`,
    )) as { id: TenantId; database_url_sealed: string; live: boolean; connection_status: ConnectionStatus | null }[];
    this.#dedicated = new Map(rows.map((r) => [r.id, r.database_url_sealed]));
    this.#live = rows.filter((r) => r.live).map((r) => r.id);
    this.#loaded = true;
    for (const [tenantId, entry] of this.#sources) {
      if (this.#dedicated.get(tenantId) === entry.sealed) continue;
      this.#sources.delete(tenantId);
      // A new database (moved) starts with a health of its own.
      this.#health.delete(tenantId);
      this.#lastUsed.delete(tenantId);
      void entry.source.then((ds) => ds.destroy()).catch(() => undefined);
    }
    for (const tenantId of this.#health.keys()) if (!this.#dedicated.has(tenantId)) this.#health.delete(tenantId);
    for (const [tenantId, sealed] of this.#toMigrate) {
      const now = this.#dedicated.get(tenantId);
      if (sealed === null && now) this.#toMigrate.set(tenantId, now);
      // No longer dedicated, or moved (tenant:move migrated its new database): nothing left to migrate here.
      else if (now !== sealed) this.#toMigrate.delete(tenantId);
    }
    // The row as it is (another process may have written its own view since); a change this process could not write
    // (the core database away) is written now. A status this process saw earlier is not written again: a process that
    // has not used a database for a while must not undo what another, which just did, wrote.
    this.#persisted.clear();
    const now = performance.now();
    for (const r of rows) {
      this.#persisted.set(r.id, r.connection_status);
      // Another process connected since this one failed: this one's probe tries now rather than when its backoff ends.
      if (r.connection_status === 'connected') this.#health.get(r.id)?.endBackoff(now);
    }
    const unwritten = [...this.#unwritten];
    this.#unwritten.clear();
    for (const tenantId of unwritten) this.persistStatus(tenantId);
  }

  /** The health of tenantId's database in this process, created on first use. */
  private healthOf(tenantId: TenantId): TenantDatabaseHealth {
    let health = this.#health.get(tenantId);
    if (!health) this.#health.set(tenantId, (health = new TenantDatabaseHealth()));
    return health;
  }

  /** A connection to tenantId's database failed or dropped: counted, and maybe a new status and a (longer) backoff. */
  private noticeFailure(tenantId: TenantId, err: unknown): void {
    if (!isDatabaseUnavailable(err)) {
      this.logger.warn({ tenant_id: tenantId, err: describe(err) }, 'dedicated database connection error');
      return;
    }
    const health = this.healthOf(tenantId);
    this.#errors?.inc({ tenant: tenantId });
    if (!health.failed(performance.now())) return;
    this.logger.warn(
      {
        tenant_id: tenantId,
        status: health.status,
        retry_in_ms: this.backoffRemainingMs(tenantId),
        err: describe(err),
      },
      "dedicated database unavailable: its tenant's calls answer 503 tenant_database_unavailable while it backs off",
    );
    this.persistStatus(tenantId);
  }

  private noticeSuccess(tenantId: TenantId): void {
    const health = this.healthOf(tenantId);
    const was = health.status;
    if (!health.succeeded()) return;
    if (was !== undefined) this.logger.log({ tenant_id: tenantId }, 'dedicated database available again');
    this.persistStatus(tenantId);
  }

  /** Writes this process's view of tenantId's connection_status to the core database when the row says otherwise. */
  private persistStatus(tenantId: TenantId): void {
    const status = this.#health.get(tenantId)?.status;
    if (status === undefined || this.#persisted.get(tenantId) === status || !this.#dedicated.has(tenantId)) return;
    this.#persisted.set(tenantId, status);
    void this.core
      .query(
        `UPDATE tenants SET connection_status = $2 WHERE id = $1 AND database_url_sealed IS NOT NULL
           AND connection_status IS DISTINCT FROM $2`,
        [tenantId, status],
      )
      // The core database away: written again at the next refresh.
      .catch(() => {
        this.#persisted.delete(tenantId);
        this.#unwritten.add(tenantId);
      });
  }

  /**
   * Probes each dedicated database whose backoff ran out, so one with no traffic comes back too: one SELECT 1, or, for
   * a database still to migrate, its migration (which is what finds it back: `connected` only once it is migrated).
   */
  private probeDue(): void {
    const now = performance.now();
    for (const [tenantId, health] of this.#health) {
      if (!health.probeDue(now) || this.#probing.has(tenantId) || !this.#dedicated.has(tenantId)) continue;
      const migrate = this.#toMigrate.has(tenantId);
      if (migrate && this.#migrating >= DEDICATED_CONCURRENCY) continue;
      this.#probing.add(tenantId);
      const probe = migrate
        ? this.migrateBeforeUse(tenantId)
        : this.sourceOf(tenantId)
            .then((ds) => ds.query('SELECT 1'))
            // It may have answered on a connection already open (no connect to report): the answer is the success.
            .then(() => this.noticeSuccess(tenantId))
            // A failed connect was noticed by the connection itself; anything else is the next probe's to retry.
            .catch(() => undefined);
      void probe.finally(() => this.#probing.delete(tenantId));
    }
  }

  /**
   * Migrates a dedicated database the start-up migration could not (the same migrateDedicatedDatabase as `migrate`,
   * under the same per-database lock, so another process migrating it at once waits): then it is `connected` and its
   * tenant served. A failure (still away, a migration that fails) is one more failure of its health: a longer backoff,
   * then the next probe tries again.
   */
  private async migrateBeforeUse(tenantId: TenantId): Promise<void> {
    const sealed = this.#dedicated.get(tenantId) as string;
    this.#migrating += 1;
    try {
      const url = this.unseal(tenantId, sealed);
      const { applied } = await migrateDedicatedDatabase(this.migrations, dedicatedDatabaseUrls(this.config, url));
      // Moved while this ran: load() has dropped it; the new database is not this one.
      if (!this.#toMigrate.has(tenantId)) return;
      this.#toMigrate.delete(tenantId);
      this.logger.log(
        { tenant_id: tenantId, database: databaseLocation(url), applied },
        'dedicated database migrated: its tenant is served again',
      );
      this.noticeSuccess(tenantId);
    } catch (err) {
      const health = this.healthOf(tenantId);
      this.#errors?.inc({ tenant: tenantId });
      health.failed(performance.now());
      this.logger.warn(
        {
          tenant_id: tenantId,
          status: health.status,
          retry_in_ms: this.backoffRemainingMs(tenantId),
          err: describe(err),
        },
        "dedicated database not migrated yet: its tenant's calls answer 503 tenant_database_unavailable until it is",
      );
      this.persistStatus(tenantId);
    } finally {
      this.#migrating -= 1;
    }
  }

  /**
   * Closes one idle connection of the dedicated pool least recently used that has one (ConnectionBudget's eviction):
   * its end gives its slot to the connection waiting. false when no dedicated pool has an idle connection.
   */
  private closeIdleConnection(): boolean {
    let oldest: { pool: PoolInternals; at: number } | undefined;
    for (const [tenantId, entry] of this.#sources) {
      if (!entry.opened) continue;
      const pool = poolOf(entry.opened) as PoolInternals;
      if (pool._idle.length === 0) continue;
      const at = this.#lastUsed.get(tenantId) ?? 0;
      if (!oldest || at < oldest.at) oldest = { pool, at };
    }
    if (!oldest) return false;
    oldest.pool._remove(oldest.pool._idle[0].client);
    return true;
  }

  /**
   * The pg Client class of tenantId's pool: each connection takes a slot of the process-wide budget before it
   * connects (giving it back when it ends), reports its failures and successes to the tenant's health, and keeps an
   * 'error' listener for its whole life (no unhandled 'error' event can end the process).
   */
  private clientClass(tenantId: TenantId): typeof Client {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the class below is built per tenant database
    const registry = this;
    return class DedicatedClient extends Client {
      constructor(config?: string | ClientConfig) {
        super(config);
        this.on('error', (err: Error) => {
          markConnectionLost(this, err);
          registry.noticeFailure(tenantId, err);
        });
      }

      override connect(): Promise<Client>;
      override connect(callback: (err: Error) => void): void;
      override connect(callback?: (err: Error) => void): Promise<Client> | void {
        const timeoutMs = (this as unknown as { _connectionTimeoutMillis?: number })._connectionTimeoutMillis ?? 0;
        const run = (done: (err: Error | null) => void): void => {
          registry.#budget.acquire(timeoutMs).then(
            (release) => {
              // The pool gave up waiting (its connect timeout destroyed the socket) while this waited for a slot.
              if (
                (this as unknown as { connection?: { stream?: { destroyed?: boolean } } }).connection?.stream?.destroyed
              ) {
                release();
                done(new Error('Connection terminated due to connection timeout'));
                return;
              }
              this.once('end', release);
              super.connect((err: Error | null) => {
                if (err) {
                  release();
                  registry.noticeFailure(tenantId, err);
                  const waitMs = registry.backoffRemainingMs(tenantId);
                  done(
                    isDatabaseUnavailable(err)
                      ? new TenantDatabaseUnavailableError(tenantId, err, Math.max(1, Math.ceil(waitMs / 1000)))
                      : err,
                  );
                  return;
                }
                registry.noticeSuccess(tenantId);
                done(null);
              });
            },
            (err: Error) => done(err),
          );
        };
        if (callback) {
          run((err) => callback(err as Error));
          return;
        }
        return new Promise<Client>((resolve, reject) => run((err) => (err ? reject(err) : resolve(this))));
      }
    };
  }

  private unseal(tenantId: TenantId, sealed: string): string {
    try {
      return openDatabaseUrl(this.#keyring, tenantId, sealed);
    } catch (err) {
      throw unopenableDatabaseUrl(this.logger, tenantId, sealed, err);
    }
  }

  private async open(tenantId: TenantId, sealed: string): Promise<DataSource> {
    const { runtimeUrl } = dedicatedDatabaseUrls(this.config, this.unseal(tenantId, sealed));
    const options = this.core.options as DataSourceOptions & { extra?: Record<string, unknown> };
    const source = new DataSource({
      ...options,
      url: runtimeUrl,
      // An idle connection's error: its own 'error' listener (clientClass) has reported it already.
      poolErrorHandler: () => undefined,
      extra: {
        ...options.extra,
        max: this.config.DEDICATED_POOL_SIZE,
        idleTimeoutMillis: this.config.DEDICATED_POOL_IDLE_MS,
        Client: this.clientClass(tenantId),
      },
    } as DataSourceOptions);
    await source.initialize();
    const pool = poolOf(source);
    pool.on('acquire', () => this.#lastUsed.set(tenantId, performance.now()));
    // A connection back idle while others wait for a slot: the least recently used pool gives one up.
    pool.on('release', () => setImmediate(() => this.#budget.makeRoom()));
    this.logger.log({ tenant_id: tenantId }, 'dedicated database pool opened');
    return source;
  }
}

/**
 * The URL of a sealed value the keyring cannot open (its master key removed from CONDUIT_MASTER_KEY, or the value
 * damaged) is the tenant's database being unavailable (503 tenant_database_unavailable with Retry-After, for that
 * tenant only), not an internal error: an operator can mend it by putting the key back. Told to the operator once per
 * sealed value in this process, naming the tenant and the master key id only.
 */
const unopenableReported = new Set<string>();

export function unopenableDatabaseUrl(
  logger: Pick<Logger, 'error'>,
  tenantId: TenantId,
  sealed: string,
  err: unknown,
): TenantDatabaseUnavailableError {
  const reason = err instanceof DecryptionError ? err.message : 'it could not be opened';
  if (!unopenableReported.has(`${tenantId}:${sealed}`)) {
    unopenableReported.add(`${tenantId}:${sealed}`);
    const masterKeyId = sealed.split('.')[1] ?? 'unknown';
    logger.error(
      { tenant_id: tenantId, master_key_id: masterKeyId },
      `the sealed database URL of tenant ${tenantId} cannot be opened with CONDUIT_MASTER_KEY (${reason}): ` +
        `its requests answer 503 tenant_database_unavailable until the master key ${masterKeyId} it is wrapped by is ` +
        `configured again (then run keys:rewrap to move it to the active key)`,
    );
  }
  return new TenantDatabaseUnavailableError(tenantId, new Error(`sealed database URL not opened: ${reason}`));
}

function describe(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const { code, message } = err as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : err.constructor.name;
  return typeof code === 'string' ? `${code} ${text}` : text;
}

/** TypeORM's own pg pool of a DataSource: same connections, same limits, same role. */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
