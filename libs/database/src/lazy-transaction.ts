// The transactions TenantContext opens, at the cost of the statements they run and little more.
//
// TypeORM's own transaction takes a pooled connection at once and sends START TRANSACTION as a statement of its own;
// TenantContext then sent the tenant's set_config as another, and COMMIT a third: each one a round trip, and on this
// kind of machine each write to a socket costs about as much CPU as a small statement. Here:
// - nothing is sent, and no connection taken, until the transaction's first statement: a request whose handler reads
//   nothing from the database (or answers from what authentication already read) never checks a connection out, and
//   one that awaits something else before its first statement does not hold one meanwhile;
// - until something else is sent, a plain read (readsOnly) runs in an implicit transaction of its own, its message
//   carrying the settings: a request that only reads once costs one round trip, no BEGIN, no COMMIT;
// - BEGIN and the transaction's settings (the tenant of row-level security) are kept as pending statements, and
//   travel in ONE simple-protocol message with the first statement that is not such a read (its parameters inlined
//   as pg would have sent them, see inline-parameters.ts; a statement that cannot be inlined goes after them, as a
//   second message). Settings
//   changed inside the transaction (TenantContext.withSettings) are pending statements too, sent with the next
//   statement, or not at all when none follows;
// - a transaction that ran no statement ends without COMMIT, and its connection was never taken;
// - a write that nothing in the transaction reads back (its audit row) can be kept for the commit and sent with it, in
//   one message (TenantContext.atCommit).
// This is the adapter of the CLS transaction plugin (@nestjs-cls/transactional), so TransactionHost, its `tx` and
// everything written against them work unchanged, with row-level security set before every statement as before.
import { getDataSourceToken } from '@nestjs/typeorm';
import type { TransactionalAdapter } from '@nestjs-cls/transactional';
import type { QueryResult } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { inlineParameters } from './inline-parameters';
import { quote } from './tenant-round-trip';

export interface LazyTransactionOptions {
  /** Transaction-local settings (set_config(name, value, true)), sent with BEGIN. */
  settings?: Readonly<Record<string, string>>;
  /** The database to run in (a dedicated tenant's, see tenant-databases.ts); absent: the core database. */
  dataSource?: DataSource;
}

const PENDING = Symbol('conduit.pendingStatements');
const AT_COMMIT = Symbol('conduit.atCommit');

/** `SELECT set_config(name, value, true), ...` with the values inlined. */
export function setConfigSql(settings: Readonly<Record<string, string>>): string | null {
  let calls = '';
  for (const name in settings) {
    calls += `${calls ? ', ' : ''}set_config(${quote(name)}, ${quote(settings[name])}, true)`;
  }
  return calls ? `SELECT ${calls}` : null;
}

/**
 * Queues a trusted statement (settings) to be sent before the next statement of this lazy transaction, in the same
 * message. false when the runner is not one of a lazy transaction: the caller sends it itself.
 */
export function deferStatement(runner: QueryRunner | undefined, sql: string): boolean {
  const pending = (runner as (QueryRunner & { [PENDING]?: string[] }) | undefined)?.[PENDING];
  if (!pending) return false;
  pending.push(sql);
  return true;
}

/**
 * Queues a statement (trusted text, values inlined) to be sent with COMMIT, in the same message, after everything the
 * transaction sent before: a write nothing in the transaction reads back, such as its audit row. It is not sent if the
 * transaction rolls back. false when the runner is not one of a lazy transaction: the caller runs it itself.
 */
export function deferUntilCommit(runner: QueryRunner | undefined, sql: string): boolean {
  const atCommit = (runner as (QueryRunner & { [AT_COMMIT]?: string[] }) | undefined)?.[AT_COMMIT];
  if (!atCommit) return false;
  atCommit.push(sql);
  return true;
}

/**
 * For a savepoint (TenantContext.savepoint): how many statements are kept for the commit now, and a way to drop what
 * was queued after that mark when the savepoint rolls back. The settings still pending are dropped too: every one was
 * queued after the SAVEPOINT statement (which sent those before it), and ROLLBACK TO SAVEPOINT puts the settings back
 * as they were then; sending them first would fail anyway in a transaction a failed statement aborted.
 */
export function deferredMark(runner: QueryRunner | undefined): number {
  return (runner as (QueryRunner & { [AT_COMMIT]?: string[] }) | undefined)?.[AT_COMMIT]?.length ?? 0;
}

export function discardDeferredSince(runner: QueryRunner | undefined, mark: number): void {
  const lists = runner as (QueryRunner & { [PENDING]?: string[]; [AT_COMMIT]?: string[] }) | undefined;
  lists?.[AT_COMMIT]?.splice(mark);
  lists?.[PENDING]?.splice(0);
}

/**
 * A statement that only reads and takes nothing that lasts until its transaction ends (no row lock, advisory lock or
 * setting): run in an implicit transaction of its own it means what it means as the first statement of a READ
 * COMMITTED transaction, where each statement sees its own snapshot too.
 */
export function readsOnly(sql: string): boolean {
  return (
    /^\s*SELECT\b/i.test(sql) &&
    !/\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b/i.test(sql) &&
    !/\b(set_config|nextval|setval|pg_advisory\w*|pg_try_advisory\w*|txid_current\w*|pg_current_xact_id\w*)\s*\(/i.test(
      sql,
    )
  );
}

type Query = QueryRunner['query'];
type QueryText = string | { text: string };
type ConnectionQuery = (text: QueryText, values?: unknown[]) => Promise<QueryResult | QueryResult[]>;

/**
 * Runs fn with a query runner whose first statement carries BEGIN and the settings, and commits (or rolls back) only
 * if a statement was sent. The runner reports an active transaction from the start, so TypeORM never opens one of its
 * own inside, and nested transactions become savepoints.
 */
export async function runLazyTransaction<T>(
  dataSource: DataSource,
  options: LazyTransactionOptions,
  fn: () => Promise<T>,
  setClient: (client?: EntityManager) => void,
): Promise<T> {
  const runner = dataSource.createQueryRunner('master');
  const query: Query = runner.query.bind(runner);
  const settings = setConfigSql(options.settings ?? {});
  const pending: string[] = settings ? ['BEGIN', settings] : ['BEGIN'];
  const atCommit: string[] = [];
  let begun = false;
  Object.assign(runner, { [PENDING]: pending, [AT_COMMIT]: atCommit });

  runner.query = (async (sql: QueryText, parameters?: unknown[], structured?: boolean) => {
    const send = () => query(sql as string, parameters, structured as never);
    if (begun && pending.length === 0) return send();
    const text = typeof sql === 'string' ? sql : sql.text;
    const whole = inlineParameters(text, parameters);
    // Until the transaction has to begin, a plain read runs in an implicit transaction of its own, with the settings
    // in its message: a request that reads once needs no BEGIN and no COMMIT. The settings stay pending, so a later
    // statement begins the transaction with all of them.
    if (!begun && whole !== null && readsOnly(text)) return combined(pending.slice(1).join(';\n'), whole, sql, send);
    // BEGIN and the settings (or, once begun, settings changed since the last statement) with this statement.
    const prefix = pending.splice(0).join(';\n');
    begun = true;
    if (whole === null) {
      await query(prefix);
      return send();
    }
    return combined(prefix, whole, sql, send);
  }) as Query;

  /** Runs `send` (TypeORM's query of `sql`) with pg asked for `prefix` and the inlined statement in one message. */
  const combined = async (prefix: string, whole: string, sql: QueryText, send: () => Promise<unknown>) => {
    if (!prefix) return send();
    // TypeORM's query() turns pg's result into its own; pg is asked for the combined message instead, once.
    const connection = (await runner.connect()) as { query: ConnectionQuery };
    const original = connection.query;
    // Put back as it was: the class's method stays the class's (anything that wraps it, e.g. to count queries, still
    // sees this connection's later calls).
    const ownBefore = Object.prototype.hasOwnProperty.call(connection, 'query');
    const restore = () => {
      if (ownBefore) connection.query = original;
      else delete (connection as Partial<typeof connection>).query;
    };
    connection.query = async function inOneMessage(this: unknown, asked: QueryText, values?: unknown[]) {
      if (asked !== sql) return original.call(this, asked, values);
      restore();
      const results = await original.call(this, `${prefix};\n${whole}`);
      return Array.isArray(results) ? results[results.length - 1] : results;
    };
    try {
      return await send();
    } finally {
      restore();
    }
  };

  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  state.isTransactionActive = true;
  state.transactionDepth = 1;
  try {
    setClient(runner.manager);
    const result = await fn();
    // Settings still pending would only have changed what no statement reads any more; statements kept for the commit
    // carry their own settings, and go with it (with BEGIN as well, when nothing was sent before).
    if (atCommit.length > 0) {
      const message = [...(begun ? [] : pending.splice(0)), ...atCommit.splice(0), 'COMMIT'].join(';\n');
      begun = true;
      await query(message);
    } else if (begun) await query('COMMIT');
    return result;
  } catch (err) {
    // As TypeORM's own transaction does: the rollback's own failure (a dead connection) is not the error to report.
    if (begun) await query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    pending.length = 0;
    atCommit.length = 0;
    state.isTransactionActive = false;
    state.transactionDepth = 0;
    await runner.release();
  }
}

/** The CLS transaction plugin's adapter for TypeORM with lazy, one-message BEGIN (see above). */
export class LazyTransactionAdapter implements TransactionalAdapter<DataSource, EntityManager, LazyTransactionOptions> {
  readonly connectionToken = getDataSourceToken();

  readonly optionsFactory = (dataSource: DataSource) => ({
    wrapWithTransaction: (
      options: LazyTransactionOptions,
      fn: () => Promise<unknown>,
      setClient: (client?: EntityManager) => void,
    ) => runLazyTransaction(options?.dataSource ?? dataSource, options ?? {}, fn, setClient),
    wrapWithNestedTransaction: (
      _options: LazyTransactionOptions,
      fn: () => Promise<unknown>,
      setClient: (client?: EntityManager) => void,
      client: EntityManager,
    ) =>
      client.transaction((nested) => {
        setClient(nested);
        return fn();
      }),
    getFallbackInstance: () => dataSource.manager,
  });
}
