// Tenant scoping for every database call: RLS reads transaction-local settings set here.
import { Injectable } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { Propagation, TransactionHost } from '@nestjs-cls/transactional';
import { ClsService } from 'nestjs-cls';
import type { EntityManager, EntityTarget, ObjectLiteral, QueryRunner } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { InvariantError, QueueUnavailableError, TenantId } from '@conduit/platform';
import { connectionLoss } from './database-availability';
import { inlineParameters } from './inline-parameters';
import {
  LazyTransactionAdapter,
  deferStatement,
  deferUntilCommit,
  deferredMark,
  discardDeferredSince,
  setConfigSql,
} from './lazy-transaction';
import { TenantDatabaseUnavailableError, isDatabaseUnavailable } from './sql-errors';
import { CORE_DATABASE, TenantDatabases } from './tenant-databases';
import { TenantMoves } from './tenant-moves';
import { CATALOGUE_OWNERS_SETTING, SessionSetting, TENANT_SETTING, USER_SETTING } from './tenant-settings';

export type Tx = TransactionHost<LazyTransactionAdapter>;

type AfterCommit = () => Promise<unknown> | unknown;
// No dot in CLS keys: nestjs-cls reads one as a path into an object that a child context (one per top-level
// transaction) shares with its parent, so parallel transactions of one request would share one after-commit list.
const AFTER_COMMIT = 'conduit_afterCommit';
/** Work run when the current top-level transaction has ended, committed or not (atTransactionEnd). */
const AT_END = 'conduit_atEnd';
/** A dedicated tenant's transaction's core database connection, once it needed one held (heldCoreConnection). */
const CORE_RUNNER = 'conduit_coreRunner';
/** The settings applied through this class in the current transaction (absent: unknown, ask the database). */
const APPLIED_SETTINGS = 'conduit_appliedSettings';
/** The database of the current transaction (docs/dedicated-tenants.md): CORE_DATABASE or a dedicated tenant's id. */
const DATABASE = 'conduit_database';

/** Catalogue owners grouped by database (TenantContext.catalogueDatabases). */
export interface CatalogueDatabases {
  /** Those in the database read here (the open transaction's, or the reader's without one): read as before. */
  here: TenantId[];
  /** Those in other databases, one entry a database (its key), each read there (inCatalogueDatabase). */
  elsewhere: { database: string; owners: TenantId[] }[];
}

/** Savepoint names: unique in the process, so nested savepoints never reuse an open one's name. */
let savepoints = 0;

@Injectable()
export class TenantContext {
  private readonly logger = new Logger('TenantContext');

  constructor(
    private readonly txHost: TransactionHost<LazyTransactionAdapter>,
    private readonly cls: ClsService,
    private readonly databases: TenantDatabases,
    private readonly moves: TenantMoves,
  ) {}

  /**
   * Runs fn once the current transaction has committed (at once when there is none). Used to enqueue jobs
   * for rows the transaction wrote: a job must never point at a row that may still roll back. A failure here
   * is logged, not thrown: the rows are committed and the reconcilers pick them up. A job not queued because Redis is
   * away (QueueUnavailableError, which fails at once) is not logged here: the outage is logged once, not per request.
   */
  afterCommit(fn: AfterCommit): void {
    const pending = this.txHost.isTransactionActive()
      ? this.cls.get<AfterCommit[] | undefined>(AFTER_COMMIT)
      : undefined;
    if (pending) pending.push(fn);
    else void this.runCallbacks([fn]);
  }

  /**
   * Runs a hot statement as a named prepared statement: PostgreSQL parses and plans it once per connection instead
   * of on every call. `name` must always go with the same `text` (pg refuses a name reused for another text).
   */
  prepared<R>(name: string, text: string, values: unknown[]): Promise<R[]> {
    // TypeORM hands its first argument to pg's client.query(), which takes a { name, text } config as well.
    return this.em.query({ name, text } as unknown as string, values) as Promise<R[]>;
  }

  /**
   * Runs a write at commit, sent with COMMIT in one message, under the settings in effect now (the tenant of the
   * current scope): for a row nothing in the transaction reads back, such as its audit row. Outside a transaction, or
   * when its values cannot be inlined, it runs at once.
   */
  async atCommit(sql: string, values: unknown[]): Promise<void> {
    const inlined = this.txHost.isTransactionActive() ? inlineParameters(sql, values) : null;
    const settings = setConfigSql((this.applied() ?? {}) as Record<string, string>);
    const statement = inlined && (settings ? `${settings};\n${inlined}` : inlined);
    if (statement && deferUntilCommit(this.em.queryRunner, statement)) return;
    await this.em.query(sql, values);
  }

  /**
   * Runs fn in a SAVEPOINT of the current transaction: when fn throws, what it wrote is undone (ROLLBACK TO SAVEPOINT)
   * and the error goes on to the caller, whose transaction can go on; otherwise the savepoint is released. The
   * after-commit work (afterCommit) and commit-time writes (atCommit) fn registered are dropped with its rows, so no
   * job or audit row ever points at what was rolled back. For work that may fail part-way without failing the whole
   * (an import rolls back one integration and goes on with the next). Needs a transaction.
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.txHost.isTransactionActive())
      throw new InvariantError('transaction_required', 'savepoint needs a transaction');
    const name = `conduit_savepoint_${++savepoints}`;
    const callbacks = this.cls.get<AfterCommit[] | undefined>(AFTER_COMMIT);
    const callbacksBefore = callbacks?.length ?? 0;
    // Sent with any pending BEGIN and settings, so what is marked below was queued after it.
    await this.em.query(`SAVEPOINT ${name}`);
    const runner = this.em.queryRunner;
    const mark = deferredMark(runner);
    try {
      const result = await fn();
      await this.em.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      discardDeferredSince(runner, mark);
      callbacks?.splice(callbacksBefore);
      await this.em.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw err;
    }
  }

  /** Whether a transaction is open here: work that must hold a transaction-scoped lock until commit checks it. */
  inTransaction(): boolean {
    return this.txHost.isTransactionActive();
  }

  /**
   * Whether the transaction open here (or, without one, the pool) is the core database's: every shared tenant's and
   * the control plane's; a dedicated tenant's is its own database (docs/dedicated-tenants.md).
   */
  inCoreDatabase(): boolean {
    return this.currentDatabase() === CORE_DATABASE;
  }

  /** Whether the transaction open here is in tenantId's dedicated database. */
  inDatabaseOf(tenantId: TenantId): boolean {
    return this.txHost.isTransactionActive() && this.currentDatabase() === tenantId;
  }

  /**
   * The tenants above readerId whose shared integrations and tasks it reads (`owners`), grouped by the database holding
   * their rows (docs/dedicated-tenants.md, "Shared catalogue across databases"). Here is the open transaction's
   * database, else readerId's (null: the core database). The registry answers from memory (no query).
   */
  async catalogueDatabases(readerId: TenantId | null, owners: readonly TenantId[]): Promise<CatalogueDatabases> {
    const result: CatalogueDatabases = { here: [], elsewhere: [] };
    if (owners.length === 0) return result;
    let here =
      this.txHost.isTransactionActive() || readerId === null
        ? this.currentDatabase()
        : this.databases.databaseOf(readerId);
    if (typeof here !== 'string') here = await here;
    for (const owner of owners) {
      let database = this.databases.databaseOf(owner);
      if (typeof database !== 'string') database = await database;
      if (database === here) {
        result.here.push(owner);
        continue;
      }
      const group = result.elsewhere.find((g) => g.database === database);
      if (group) group.owners.push(owner);
      else result.elsewhere.push({ database, owners: [owner] });
    }
    return result;
  }

  /**
   * Runs fn's reads of `owners`' shared catalogue rows in `database` (an entry of catalogueDatabases' `elsewhere`): in
   * a transaction of its own there (a nested one when a transaction is open here), with no tenant set (so no tenant's
   * own rows are seen) and the owners in app.catalogue_owners: the lookup policies show their shared rows only.
   */
  inCatalogueDatabase<T>(database: string, owners: readonly TenantId[], fn: () => Promise<T>): Promise<T> {
    return this.withSettings({ [TENANT_SETTING]: '', [CATALOGUE_OWNERS_SETTING]: owners.join(',') }, fn, database);
  }

  /** The key of the database holding tenantId's rows: CORE_DATABASE or, for a dedicated tenant, its id. */
  async databaseKeyOf(tenantId: TenantId): Promise<string> {
    return this.databases.databaseOf(tenantId);
  }

  /**
   * Runs fn when the current top-level transaction has ended, committed or rolled back (at once when there is none):
   * to release what was held for the transaction's duration outside it, such as a lock in the core database held for
   * a dedicated tenant's transaction (QuotaLocksRepository). fn must not throw; it runs before the after-commit work.
   */
  atTransactionEnd(fn: () => Promise<void>): void {
    const pending = this.txHost.isTransactionActive()
      ? this.cls.get<(() => Promise<void>)[] | undefined>(AT_END)
      : undefined;
    if (pending) pending.push(fn);
    else void fn();
  }

  /** The current transaction's EntityManager (or the pool's, which sees no tenant rows). */
  get em(): EntityManager {
    return this.txHost.tx;
  }

  /**
   * The EntityManager for the control-plane tables without row-level security (tenants): the current transaction's
   * when it is in the core database (every shared tenant's, so their path is unchanged), else the core pool's, outside
   * the transaction: a dedicated tenant's database has these tables empty (docs/dedicated-tenants.md).
   */
  get coreEm(): EntityManager {
    if (this.currentDatabase() === CORE_DATABASE) return this.txHost.tx;
    return this.cls.get<QueryRunner | undefined>(CORE_RUNNER)?.manager ?? this.databases.coreManager;
  }

  /**
   * A core database connection for the rest of the current transaction: in the core database, that transaction's
   * (nothing is opened); in a dedicated tenant's, a connection of the core pool held (outside any transaction) until
   * that transaction has ended, which coreEm then answers. For a session-level lock in the core database held for a
   * dedicated tenant's transaction (QuotaLocksRepository): what is read under it goes through the same connection, so
   * holding the lock never waits for a second core connection. Session advisory locks left on it are released before
   * it goes back to the pool (or it is closed).
   */
  async heldCoreConnection(): Promise<EntityManager> {
    if (this.currentDatabase() === CORE_DATABASE || !this.txHost.isTransactionActive()) return this.coreEm;
    const held = this.cls.get<QueryRunner | undefined>(CORE_RUNNER);
    if (held) return held.manager;
    const runner = this.databases.coreManager.connection.createQueryRunner();
    await runner.connect();
    this.cls.set(CORE_RUNNER, runner);
    this.atTransactionEnd(async () => {
      const clean = await runner.query('SELECT pg_advisory_unlock_all()').then(
        () => true,
        () => false,
      );
      // TypeORM's release with an error closes the connection instead of pooling it (its session locks go with it).
      await (runner as unknown as { releasePostgresConnection(err?: Error): Promise<void> }).releasePostgresConnection(
        clean ? undefined : new Error('advisory locks not released'),
      );
    });
    return runner.manager;
  }

  /** Plain INSERT of a fully built row (TypeORM's partial-entity type rejects jsonb columns typed as records). */
  async insert<T extends ObjectLiteral>(target: EntityTarget<T>, row: T): Promise<void> {
    await this.em.getRepository(target).insert(row as QueryDeepPartialEntity<T>);
  }

  /** As insert, through coreEm: for the control-plane tables, which are in the core database whatever the tenant's. */
  async coreInsert<T extends ObjectLiteral>(target: EntityTarget<T>, row: T): Promise<void> {
    await this.coreEm.getRepository(target).insert(row as QueryDeepPartialEntity<T>);
  }

  /**
   * Runs fn in a transaction with no tenant set. Only SystemContext.run() calls it (lint keeps it so outside
   * libs/database): work outside a tenant goes through that, which names and logs each use.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.txHost.isTransactionActive()) return this.outermost(fn);
    // The control plane is in the core database: inside a dedicated tenant's transaction, a transaction of its own.
    return this.currentDatabase() === CORE_DATABASE ? fn() : this.outermost(fn, {}, CORE_DATABASE, true);
  }

  /**
   * Runs fn in a transaction scoped to tenantId, in the database that holds the tenant's rows
   * (docs/dedicated-tenants.md); inside an outer transaction of that database, scopes only fn and restores after.
   */
  runInTenant<T>(tenantId: TenantId, fn: () => Promise<T>, userId?: string): Promise<T> {
    const settings: Partial<Record<SessionSetting, string>> = { [TENANT_SETTING]: tenantId };
    if (userId) settings[USER_SETTING] = userId;
    return this.withSettings(settings, fn);
  }

  /**
   * As runInTenant, for the tenant's rows of control-plane tables (its sessions, API keys, sign-in settings, revoked
   * tokens): those stay in the core database whatever the tenant's isolation, as authentication reads them before it
   * knows anything else. Same RLS settings.
   */
  runInTenantControlPlane<T>(tenantId: TenantId, fn: () => Promise<T>, userId?: string): Promise<T> {
    const settings: Partial<Record<SessionSetting, string>> = { [TENANT_SETTING]: tenantId };
    if (userId) settings[USER_SETTING] = userId;
    return this.withSettings(settings, fn, CORE_DATABASE);
  }

  /**
   * Sets RLS settings for the duration of fn, in the current transaction or a new one. Settings this class applied
   * in the current transaction are remembered (in its CLS context), so a nested call for the tenant already set, the
   * common case of a service called inside a request's transaction, costs no round trip at all, and one that changes
   * them restores the previous values without asking the database for them first.
   */
  async withSettings<T>(
    settings: Partial<Record<SessionSetting, string>>,
    fn: () => Promise<T>,
    /** the database to run in (default: the tenant's, or the core one without a tenant) */
    in_?: string,
  ): Promise<T> {
    const tenantId = settings[TENANT_SETTING];
    const active = this.txHost.isTransactionActive();
    // A tenant moving to another database (tenant:move): its work is paused before a transaction opens for its rows
    // (TenantMoves; nothing to do, no await, when no tenant moves). The worker waits for the switch, then routes anew.
    if (tenantId && in_ === undefined && !active) {
      const paused = this.moves.admit(tenantId);
      if (paused) await paused;
    }
    // The tenant's database: synchronous (no await, no query) once the registry is loaded, i.e. after start.
    let database = in_ ?? (tenantId ? this.databases.databaseOf(tenantId) : CORE_DATABASE);
    if (typeof database !== 'string') database = await database;
    // A new transaction sends the settings with its BEGIN, in one message before its first statement.
    if (!active) return this.outermost(fn, settings, database);
    // A transaction cannot span two databases: a tenant in another one than the open transaction's gets a transaction
    // of its own there, committed when fn returns (docs/dedicated-tenants.md says why this and not a refusal). A moving
    // tenant's is refused at once (no wait inside an open transaction: the mover waits for open transactions to end).
    if ((tenantId || in_) && database !== this.currentDatabase()) {
      if (tenantId && in_ === undefined) void this.moves.admit(tenantId, false);
      return this.outermost(fn, settings, database, true);
    }
    const names = Object.keys(settings) as SessionSetting[];
    const applied = this.applied();
    if (applied && names.every((n) => applied[n] === settings[n])) return fn();
    let previous: Partial<Record<SessionSetting, string>>;
    if (applied) {
      previous = Object.fromEntries(names.map((n) => [n, applied[n] ?? '']));
    } else {
      // A transaction this class did not open: ask the database what is set.
      const rows = (await this.em.query(
        `SELECT ${names.map((_, i) => `coalesce(current_setting($${i + 1}, true), '') AS s${i}`).join(', ')}`,
        names,
      )) as Record<string, string>[];
      previous = Object.fromEntries(names.map((n, i) => [n, rows[0]?.[`s${i}`] ?? '']));
    }
    await this.apply(settings);
    if (applied) Object.assign(applied, settings);
    try {
      return await fn();
    } finally {
      await this.apply(previous);
      if (applied) Object.assign(applied, previous);
    }
  }

  /**
   * Gives the rest of the current transaction its own statement_timeout (milliseconds; 0: none) instead of the
   * connection's: for statements allowed to run longer than a request's budget, such as analytics. It ends with the
   * transaction, so the pooled connection goes back with its own setting.
   */
  async setLocalStatementTimeout(ms: number): Promise<void> {
    if (!this.txHost.isTransactionActive())
      throw new InvariantError('transaction_required', 'setLocalStatementTimeout needs a transaction');
    await this.prepared('conduit_local_statement_timeout', `SELECT set_config('statement_timeout', $1, true)`, [
      String(ms),
    ]);
  }

  async currentTenantId(): Promise<string | null> {
    const [row] = (await this.em.query(`SELECT nullif(current_setting($1, true), '') AS v`, [TENANT_SETTING])) as {
      v: string | null;
    }[];
    return row?.v ?? null;
  }

  /** The database of the transaction open here (one this class did not open is the core database's). */
  private currentDatabase(): string {
    return (this.cls.isActive() ? this.cls.get<string | undefined>(DATABASE) : undefined) ?? CORE_DATABASE;
  }

  /**
   * A new top-level transaction with its own after-commit list, run only when it committed, in `database` (separate:
   * even inside an open transaction, as one of its own).
   */
  private async outermost<T>(
    fn: () => Promise<T>,
    settings: Partial<Record<SessionSetting, string>> = {},
    database: string = CORE_DATABASE,
    separate = false,
  ): Promise<T> {
    // The shared path: the core DataSource, which the adapter uses when given none (no await for it).
    const dataSource =
      database === CORE_DATABASE ? undefined : await this.databases.dataSource(database).catch(dedicatedLoss(database));
    // A child context per transaction, so parallel transactions of one request keep separate lists.
    return this.cls.run({ ifNested: 'inherit' }, async () => {
      const callbacks: AfterCommit[] = [];
      const atEnd: (() => Promise<void>)[] = [];
      this.cls.set(AFTER_COMMIT, callbacks);
      this.cls.set(AT_END, atEnd);
      this.cls.set(CORE_RUNNER, undefined);
      this.cls.set(APPLIED_SETTINGS, { ...settings });
      this.cls.set(DATABASE, database);
      let runner: { databaseConnection?: unknown } | undefined;
      let result: T;
      try {
        const options = { settings: settings as Record<string, string>, dataSource };
        const body = () => {
          runner = this.em.queryRunner as { databaseConnection?: unknown } | undefined;
          return fn();
        };
        result = await (separate
          ? this.txHost.withTransaction(Propagation.RequiresNew, options, body)
          : this.txHost.withTransaction(options, body));
      } catch (err) {
        // The connection died under the transaction (PostgreSQL restarting): TypeORM released it and refuses the
        // statements that follow with its own errors. The caller is told what happened, the connection's loss.
        const loss = connectionLoss(runner?.databaseConnection);
        const reported = loss && !isDatabaseUnavailable(err) ? loss : err;
        throw database === CORE_DATABASE ? reported : dedicatedLoss(database)(reported);
      } finally {
        for (const fn of atEnd) await fn().catch(() => undefined);
      }
      await this.runCallbacks(callbacks);
      return result;
    });
  }

  private async runCallbacks(callbacks: AfterCommit[]): Promise<void> {
    for (const callback of callbacks) {
      try {
        await callback();
      } catch (err) {
        if (err instanceof QueueUnavailableError) continue;
        this.logger.warn(`after-commit work failed (reconciliation will retry it): ${(err as Error).message}`);
      }
    }
  }

  private applied(): Partial<Record<SessionSetting, string>> | undefined {
    return this.cls.isActive()
      ? this.cls.get<Partial<Record<SessionSetting, string>> | undefined>(APPLIED_SETTINGS)
      : undefined;
  }

  private async apply(settings: Partial<Record<SessionSetting, string>>): Promise<void> {
    const sql = setConfigSql(settings as Record<string, string>);
    if (!sql) return;
    // In a lazy transaction (every one this class opens), the settings go with the next statement, in its message.
    if (!deferStatement(this.em.queryRunner, sql)) await this.em.query(sql);
  }
}

/** A dedicated database's outage, told apart from the core database's (a 503 for that tenant only); else err itself. */
function dedicatedLoss(tenantId: string): (err: unknown) => never {
  return (err: unknown) => {
    throw isDatabaseUnavailable(err) && !(err instanceof TenantDatabaseUnavailableError)
      ? new TenantDatabaseUnavailableError(tenantId, err)
      : err;
  };
}
