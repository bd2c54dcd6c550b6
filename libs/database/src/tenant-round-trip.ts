// One statement (or a few, queryMany) for one tenant in ONE round trip, for the hot paths (delivery and step claims
// and records, the ingest and publish group commits).
//
// TenantContext.runInTenant() costs four round trips (BEGIN, set_config, the statement, COMMIT). Here set_config
// and the statement travel in one simple-protocol message, which PostgreSQL runs as a single implicit
// transaction: the tenant setting is transaction-local exactly as in runInTenant(), row-level security applies the
// same way, and an error rolls the whole message back and leaves the connection idle. The simple protocol takes
// no parameters, so values are inlined as escape-string literals; only the types below are accepted.
//
// execute() runs a PreparedStatement the same way, PREPAREd once per connection (`[PREPARE ...;] SELECT
// set_config(...); EXECUTE ...`): PostgreSQL then plans it once per connection (or settles on a generic plan)
// instead of on every call, which for the hot CTEs costs about as much as running them.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool, PoolClient, QueryResult } from 'pg';
import { DataSource } from 'typeorm';
import type { TenantId } from '@conduit/platform';
import { TenantDatabaseUnavailableError, isDatabaseUnavailable } from './sql-errors';
import { CORE_DATABASE, TenantDatabases, poolOf } from './tenant-databases';
import { TenantMoves } from './tenant-moves';
import { TENANT_SETTING } from './tenant-settings';

export type SqlValue = string | number | boolean | Date | null;

export interface RoundTripOptions {
  /**
   * false: commit without waiting for the WAL flush (synchronous_commit off). For the delivery engine's own rows
   * only: a commit lost in a database crash leaves the delivery pending or leased, and it is sent again with the
   * same webhook-id, which at-least-once delivery allows. Never for accepting work.
   */
  durable: boolean;
  /**
   * true: the statement is about the tenant's rows of a control-plane table (sessions, API keys, revoked tokens), which
   * stay in the core database whatever the tenant's isolation (TenantContext.runInTenantControlPlane).
   */
  controlPlane?: boolean;
}

export interface PreparedStatement {
  name: string;
  sql: string;
}

/**
 * A statement ($1..$n placeholders) with its values, built by one repository for a round trip that another runs
 * (queryMany): the publish path's group commit writes audit rows and asks chains whether they trigger, in its own
 * messages.
 */
export interface TenantStatement {
  sql: string;
  values: readonly SqlValue[];
}

/** A statement with a name that changes whenever its text does, so a connection never runs an older text. */
export function preparedStatement(label: string, sql: string): PreparedStatement {
  return { name: `conduit_${label}_${createHash('sha256').update(sql).digest('hex').slice(0, 12)}`, sql };
}

@Injectable()
export class TenantRoundTrip {
  private readonly pool: Pool;
  // Per connection, the statements it has prepared; a connection the pool drops takes its entry with it.
  readonly #prepared = new WeakMap<PoolClient, Set<string>>();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly databases: TenantDatabases,
    private readonly moves: TenantMoves,
  ) {
    // TypeORM's own pg pool: same connections, same limits, same runtime role.
    this.pool = poolOf(dataSource);
  }

  /**
   * The pool of the database holding tenantId's rows (docs/dedicated-tenants.md): the core one for a shared tenant,
   * found without a query or an await.
   */
  private poolFor(tenantId: TenantId, options: RoundTripOptions): Pool | Promise<Pool> {
    if (options.controlPlane) return this.pool;
    // A moving tenant (tenant:move): refused, or in the worker waited for and routed anew (TenantMoves.admit).
    const paused = this.moves.admit(tenantId);
    if (paused) return paused.then(() => this.poolFor(tenantId, options));
    const database = this.databases.databaseOf(tenantId);
    if (database === CORE_DATABASE) return this.pool;
    return typeof database === 'string'
      ? this.databases.pool(database)
      : database.then((key) => this.databases.pool(key));
  }

  /** Runs `sql` ($1..$n placeholders) in tenantId and returns its rows. */
  async query<R>(
    tenantId: TenantId,
    sql: string,
    values: readonly SqlValue[],
    options: RoundTripOptions,
  ): Promise<R[]> {
    const text = `${settingsSql(tenantId, options)};\n${inline(sql, values)}`;
    const found = this.poolFor(tenantId, options);
    const results = (await (found instanceof Promise
      ? dedicated(
          tenantId,
          found.then((pool) => pool.query(text)),
        )
      : found.query(text))) as unknown as QueryResult[];
    return (results[1]?.rows ?? []) as R[];
  }

  /**
   * Runs several statements in tenantId in one round trip, and returns each one's rows in order. They are one
   * transaction: all of them commit, or the first error rolls all of them back.
   */
  async queryMany(
    tenantId: TenantId,
    statements: readonly TenantStatement[],
    options: RoundTripOptions,
  ): Promise<unknown[][]> {
    if (statements.length === 0) return [];
    const text = [settingsSql(tenantId, options), ...statements.map((s) => inline(s.sql, s.values))].join(';\n');
    const found = this.poolFor(tenantId, options);
    const results = (await (found instanceof Promise
      ? dedicated(
          tenantId,
          found.then((pool) => pool.query(text)),
        )
      : found.query(text))) as unknown as QueryResult[];
    return results.slice(1).map((r) => r.rows as unknown[]);
  }

  /** Runs a prepared statement ($1..$n, typed by casts in its text) with `values` in tenantId and returns its rows. */
  execute<R>(
    tenantId: TenantId,
    statement: PreparedStatement,
    values: readonly SqlValue[],
    options: RoundTripOptions,
  ): Promise<R[]> {
    const preamble = [settingsSql(tenantId, options)];
    const found = this.poolFor(tenantId, options);
    return found instanceof Promise
      ? dedicated(
          tenantId,
          found.then((pool) => this.executeIn<R>(pool, preamble, statement, values)),
        )
      : this.executeIn(found, preamble, statement, values);
  }

  /**
   * The same round trip with other statements before the prepared one (settings other than a tenant's, e.g. the
   * narrow lookup settings of API-key authentication). They are trusted SQL: build their values with inline().
   */
  executeAfter<R>(
    preamble: readonly string[],
    statement: PreparedStatement,
    values: readonly SqlValue[],
  ): Promise<R[]> {
    // No tenant: the core database (API-key authentication reads the control plane).
    return this.executeIn(this.pool, preamble, statement, values);
  }

  private async executeIn<R>(
    pool: Pool,
    preamble: readonly string[],
    statement: PreparedStatement,
    values: readonly SqlValue[],
  ): Promise<R[]> {
    const client = await pool.connect();
    let broken = false;
    // A checked-out connection has no listener of the pool's: without this one, its socket dying between our
    // statements (PostgreSQL restarting) would be an unhandled 'error' event, which ends the process.
    const onError = () => (broken = true);
    client.on('error', onError);
    try {
      const known = this.#prepared.get(client) ?? new Set<string>();
      const parts: string[] = [];
      if (!known.has(statement.name)) parts.push(`PREPARE ${statement.name} AS ${statement.sql}`);
      parts.push(...preamble);
      parts.push(inline(`EXECUTE ${statement.name}(${values.map((_, i) => `$${i + 1}`).join(', ')})`, values));
      const results = (await client.query(parts.join(';\n'))) as unknown as QueryResult[];
      known.add(statement.name);
      this.#prepared.set(client, known);
      return (results[results.length - 1]?.rows ?? []) as R[];
    } catch (err) {
      // Whatever the message left behind on this connection (a half-prepared statement), it is not reused.
      broken = true;
      throw err;
    } finally {
      client.removeListener('error', onError);
      // true: the pool discards the connection instead of handing it to the next caller.
      client.release(broken);
    }
  }
}

/** A dedicated database's outage, told apart from the core database's (a 503 for that tenant only). */
function dedicated<T>(tenantId: string, work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    throw isDatabaseUnavailable(err) && !(err instanceof TenantDatabaseUnavailableError)
      ? new TenantDatabaseUnavailableError(tenantId, err)
      : err;
  });
}

function settingsSql(tenantId: string, options: RoundTripOptions): string {
  const settings = [`set_config(${quote(TENANT_SETTING)}, ${quote(tenantId)}, true)`];
  if (!options.durable) settings.push(`set_config('synchronous_commit', 'off', true)`);
  return `SELECT ${settings.join(', ')}`;
}

export function inline(sql: string, values: readonly SqlValue[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= values.length) throw new RangeError(`no value for $${n}`);
    return literal(values[index]);
  });
}

function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (value instanceof Date) return quote(value.toISOString());
  return quote(value);
}

/**
 * An E'...' literal: backslashes and quotes escaped, so it reads the same whatever standard_conforming_strings says.
 * (pg's escapeLiteral walks the string a character at a time; batched records are tens of kilobytes.)
 */
export function quote(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('a NUL character cannot be sent to PostgreSQL');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
