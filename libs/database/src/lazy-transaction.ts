// The transactions TenantContext opens, at the cost of the statements they run and no more.
//
// TypeORM's own transaction takes a pooled connection at once and sends START TRANSACTION as a statement of its own;
// TenantContext then sent the tenant's set_config as another, and COMMIT a third: three round trips on top of the
// work, with the connection held from the first line of a request's handler to its last. Here:
// - nothing is sent, and no connection taken, until the transaction's first statement: a request whose handler reads
//   nothing from the database (or answers from what authentication already read) never checks a connection out, and
//   one that awaits Redis or a computation before its first statement does not hold one meanwhile;
// - BEGIN and the transaction's settings (the tenant of row-level security) travel in ONE simple-protocol message
//   just before that statement, so RLS is set for every statement of the transaction exactly as before;
// - a transaction that ran no statement ends without COMMIT.
// This is the adapter of the CLS transaction plugin (@nestjs-cls/transactional), so TransactionHost, its `tx` and
// everything written against them work unchanged.
import { getDataSourceToken } from '@nestjs/typeorm';
import type { TransactionalAdapter } from '@nestjs-cls/transactional';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { inline } from './tenant-round-trip';

export interface LazyTransactionOptions {
  /** Transaction-local settings (set_config(name, value, true)) sent with BEGIN. */
  settings?: Readonly<Record<string, string>>;
}

/** BEGIN and the settings, as one simple-protocol message (values inlined as escaped literals). */
export function beginSql(settings: Readonly<Record<string, string>> = {}): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) return 'BEGIN';
  const calls = entries.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ');
  return `BEGIN; ${inline(`SELECT ${calls}`, entries.flat())}`;
}

type Query = QueryRunner['query'];

/**
 * Runs fn with a query runner whose first statement is preceded by BEGIN and the settings, and commits (or rolls
 * back) only if a statement was sent. The runner reports an active transaction from the start, so TypeORM never opens
 * one of its own inside, and nested transactions become savepoints.
 */
export async function runLazyTransaction<T>(
  dataSource: DataSource,
  options: LazyTransactionOptions,
  fn: () => Promise<T>,
  setClient: (client?: EntityManager) => void,
): Promise<T> {
  const runner = dataSource.createQueryRunner('master');
  const query: Query = runner.query.bind(runner);
  let begun: Promise<unknown> | undefined;
  runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) => {
    begun ??= query(beginSql(options.settings));
    return begun.then(() => query(sql, parameters, structured as never));
  }) as Query;
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  state.isTransactionActive = true;
  state.transactionDepth = 1;
  try {
    setClient(runner.manager);
    const result = await fn();
    if (begun) {
      await begun;
      await query('COMMIT');
    }
    return result;
  } catch (err) {
    // As TypeORM's own transaction does: the rollback's own failure (a dead connection) is not the error to report.
    if (begun) await begun.then(() => query('ROLLBACK')).catch(() => undefined);
    throw err;
  } finally {
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
    ) => runLazyTransaction(dataSource, options ?? {}, fn, setClient),
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
