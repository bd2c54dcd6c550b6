// The pause of a tenant's writes while `tenant:move` switches it to another database (docs/dedicated-tenants.md,
// "Moving a tenant"). The state is a column of the core database's tenants row (moving_since), so a process that starts
// during a move honours it too; the mover announces each change with NOTIFY on TENANT_MOVES_CHANNEL, which every
// process LISTENs to, and re-reads the dedicated tenants (TenantDatabases.refresh) at once, before it lets the tenant's
// work through again. TenantContext and TenantRoundTrip ask here (admit) before they open anything for a tenant: with
// no tenant moving, that is one comparison, no await.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { resolveDatabaseUrls } from './database-urls';
import { TenantDatabaseUnavailableError } from './sql-errors';
import { TenantDatabases } from './tenant-databases';

/** The channel every process LISTENs to; the payload is not trusted: a notification only says "read again". */
export const TENANT_MOVES_CHANNEL = 'conduit_tenant_databases';

/** How long a process that waits (the worker) waits for a move's pause to end before failing the work (retried). */
export const TENANT_MOVE_WAIT_MS = 30_000;

/** How often the state is read again anyway (a notification missed while the listening connection was away). */
const RELOAD_MS = 5_000;

/** What a process does with a tenant's work while it moves: answer 503 (the API), or wait for the end (worker). */
export type TenantMovesMode = 'refuse' | 'wait';
export const TENANT_MOVES_MODE = 'conduit:tenant-moves-mode';

/**
 * The tenant's writes are paused while it moves to another database: 503 tenant_moving with Retry-After for its
 * requests; its jobs retry as in a database outage (it is a TenantDatabaseUnavailableError, so every check that says a
 * database is away says so of this too, and no watch counts it as the core database's outage).
 */
export class TenantMovingError extends TenantDatabaseUnavailableError {
  readonly moving = true;

  constructor(tenantId: string) {
    super(tenantId, undefined);
    this.message = `tenant ${tenantId} is being moved to another database`;
  }
}

interface Waiter {
  resolve(): void;
}

@Injectable()
export class TenantMoves implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TenantMoves');
  #moving = new Set<string>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  #client: Client | null = null;
  #timer: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #closed = false;
  #reloading: Promise<void> | null = null;
  #again = false;

  constructor(
    @InjectDataSource() private readonly core: DataSource,
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly databases: TenantDatabases,
    @Inject(TENANT_MOVES_MODE) private readonly mode: TenantMovesMode,
  ) {}

  /** Only where tenants can be dedicated at all: an installation without DEDICATED_DATABASE_HOSTS never moves one. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.DEDICATED_DATABASE_HOSTS.length === 0) return;
    await this.listen();
    this.#timer = setInterval(() => void this.reload().catch(() => undefined), RELOAD_MS);
    this.#timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#reconnect);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
    for (const tenantId of [...this.#waiters.keys()]) this.release(tenantId);
  }

  /** Whether tenantId's writes are paused in this process now. */
  isMoving(tenantId: string): boolean {
    return this.#moving.size > 0 && this.#moving.has(tenantId);
  }

  /**
   * Before opening a transaction or a round trip for tenantId's rows: nothing (undefined, no await) unless it is
   * moving; then TenantMovingError at once (the API, or `wait: false`), or, in a process that waits (the worker), a
   * promise that resolves when the pause has ended and this process routes the tenant to its new database (rejecting
   * with TenantMovingError after TENANT_MOVE_WAIT_MS). A caller inside an open transaction never waits: the mover
   * waits for open transactions to end.
   */
  admit(tenantId: string, wait = true): Promise<void> | undefined {
    if (!this.isMoving(tenantId)) return undefined;
    if (!wait || this.mode === 'refuse') throw new TenantMovingError(tenantId);
    return new Promise<void>((resolve, reject) => {
      const waiters = this.#waiters.get(tenantId) ?? new Set<Waiter>();
      this.#waiters.set(tenantId, waiters);
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new TenantMovingError(tenantId));
      }, TENANT_MOVE_WAIT_MS);
      waiters.add(waiter);
    });
  }

  /**
   * Reads the moving tenants again. A tenant whose pause ended is let through only after the dedicated tenants were
   * read again *after* this read, so its new database is known before any of its work runs (TenantDatabases.refresh
   * shares a read in flight, which may have started before the switch committed: hence two).
   */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = this.load().finally(() => {
      this.#reloading = null;
      if (this.#again) {
        this.#again = false;
        void this.reload().catch(() => undefined);
      }
    });
    return this.#reloading;
  }

  private async load(): Promise<void> {
    const rows = (await this.core.query(`SELECT id FROM tenants WHERE moving_since IS NOT NULL`)) as { id: string }[];
    const now = new Set(rows.map((r) => r.id));
    const ended = [...this.#moving].filter((id) => !now.has(id));
    const started = [...now].filter((id) => !this.#moving.has(id));
    if (started.length > 0) {
      this.#moving = new Set([...this.#moving, ...started]);
      this.logger.log({ tenant_ids: started }, 'tenant moving: its work is paused');
    }
    if (ended.length === 0) return;
    await this.databases.refresh();
    await this.databases.refresh();
    this.#moving = new Set([...this.#moving].filter((id) => now.has(id)));
    for (const id of ended) this.release(id);
    this.logger.log({ tenant_ids: ended }, 'tenant moved: its work resumes');
  }

  private release(tenantId: string): void {
    const waiters = this.#waiters.get(tenantId);
    this.#waiters.delete(tenantId);
    for (const w of waiters ?? []) w.resolve();
  }

  /** LISTEN on a connection of its own (the runtime role's), reconnecting after a loss; the state is read after. */
  private async listen(): Promise<void> {
    if (this.#closed) return;
    const client = new Client({
      connectionString: resolveDatabaseUrls(this.config).runtimeUrl,
      connectionTimeoutMillis: this.config.DATABASE_CONNECT_TIMEOUT_MS,
      application_name: 'conduit-tenant-moves',
    });
    const retry = () => {
      if (this.#client !== client || this.#closed) return;
      this.#client = null;
      void client.end().catch(() => undefined);
      this.#reconnect = setTimeout(() => void this.listen(), 1_000);
      this.#reconnect.unref();
    };
    this.#client = client;
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => void this.reload().catch(() => undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${TENANT_MOVES_CHANNEL}`);
      await this.reload();
    } catch {
      // The core database away at start or in between: read again on the next try (the timer reads meanwhile).
      retry();
    }
  }
}
