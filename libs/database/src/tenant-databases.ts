// Which database holds a tenant's rows (docs/dedicated-tenants.md): the core database for a shared tenant, its own for
// a dedicated one. TenantContext and TenantRoundTrip ask here for every transaction or round trip they open for a
// tenant, so the shared path must cost nothing: the set of dedicated tenants is kept in memory (read from the core
// database at start and when it changes), and a shared tenant's lookup is one Map lookup, with no query and no await.
// A dedicated tenant's DataSource is created on first use, its pool capped by DEDICATED_POOL_SIZE and its connections
// closed after DEDICATED_POOL_IDLE_MS unused, so idle dedicated tenants hold no connection.
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, DataSourceOptions, EntityManager } from 'typeorm';
import {
  Clock,
  ConduitConfig,
  DecryptionError,
  InjectConfig,
  MasterKeyring,
  TenantId,
  decryptWithDataKey,
  encryptWithDataKey,
  generateDataKey,
} from '@conduit/platform';
import { DatabaseAvailability } from './database-availability';
import { dedicatedDatabaseUrls } from './database-urls';
import { TenantDatabaseUnavailableError } from './sql-errors';

/** The key of the core database among transactions' databases (a dedicated one's is its tenant's id). */
export const CORE_DATABASE = 'core';

/** How often a process re-reads the dedicated tenants, when dedicated databases are allowed at all. */
const REFRESH_MS = 5_000;

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
  readonly #sources = new Map<TenantId, { sealed: string; source: Promise<DataSource> }>();
  #loaded = false;
  #loading: Promise<void> | null = null;
  #timer: NodeJS.Timeout | undefined;
  /** Dedicated pools report here, not to the core database's watch: one tenant's database down is not the core's. */
  private readonly availability: DatabaseAvailability;

  constructor(
    @InjectDataSource() private readonly core: DataSource,
    @InjectConfig() private readonly config: ConduitConfig,
    clock: Clock,
  ) {
    this.#keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
    this.availability = new DatabaseAvailability(clock);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Read now so the first requests find it loaded; a failure here (database away at start) is retried on first use.
    await this.refresh().catch((err: unknown) => {
      if (!this.availability.notice(err)) this.logger.warn(`dedicated tenants not read yet: ${(err as Error).message}`);
    });
    if (this.config.DEDICATED_DATABASE_HOSTS.length > 0) {
      this.#timer = setInterval(
        () => void this.refresh().catch((err: unknown) => this.availability.notice(err)),
        REFRESH_MS,
      );
      this.#timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
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
    try {
      const rows = (await (await this.dataSource(tenantId)).query(sql, params)) as { tenant_id: string }[];
      return rows.some((r) => r.tenant_id === tenantId);
    } catch (err) {
      if (!this.availability.notice(err)) throw err;
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
      if (!this.availability.notice(err)) throw err;
      return null;
    }
  }

  /** The DataSource of a database key (CORE_DATABASE: the core one). */
  async dataSource(key: string): Promise<DataSource> {
    if (key === CORE_DATABASE) return this.core;
    const tenantId = key as TenantId;
    const sealed = this.#dedicated.get(tenantId);
    if (!sealed) return this.core;
    const known = this.#sources.get(tenantId);
    if (known && known.sealed === sealed) return known.source;
    const source = this.open(tenantId, sealed);
    this.#sources.set(tenantId, { sealed, source });
    // A failed first connection is not kept: the next use tries again.
    source.catch(() => {
      if (this.#sources.get(tenantId)?.source === source) this.#sources.delete(tenantId);
    });
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
      `SELECT id, database_url_sealed, deleted_at IS NULL AS live FROM tenants WHERE database_url_sealed IS NOT NULL
        ORDER BY id`,
    )) as { id: TenantId; database_url_sealed: string; live: boolean }[];
    this.#dedicated = new Map(rows.map((r) => [r.id, r.database_url_sealed]));
    this.#live = rows.filter((r) => r.live).map((r) => r.id);
    this.#loaded = true;
    for (const [tenantId, entry] of this.#sources) {
      if (this.#dedicated.get(tenantId) === entry.sealed) continue;
      this.#sources.delete(tenantId);
      void entry.source.then((ds) => ds.destroy()).catch(() => undefined);
    }
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
      poolErrorHandler: (err: unknown) => this.availability.notice(err),
      extra: {
        ...options.extra,
        max: this.config.DEDICATED_POOL_SIZE,
        idleTimeoutMillis: this.config.DEDICATED_POOL_IDLE_MS,
        Client: this.availability.clientClass(),
      },
    } as DataSourceOptions);
    await source.initialize();
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

/** TypeORM's own pg pool of a DataSource: same connections, same limits, same role. */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
