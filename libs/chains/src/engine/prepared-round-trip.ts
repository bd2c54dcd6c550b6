// TenantRoundTrip's one-message round trip, for the step engine's two hot statements, with the statement PREPAREd once
// per connection: PostgreSQL then plans it once per connection (or settles on a generic plan) instead of on every
// call; planning these CTEs costs about as much as running them. The message is `[PREPARE ...;] SELECT set_config(...);
// EXECUTE ...`, one implicit transaction: the tenant setting is transaction-local and row-level security applies
// exactly as in TenantContext.runInTenant().
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool, PoolClient, QueryResult } from 'pg';
import { DataSource } from 'typeorm';
import { SqlValue, TENANT_SETTING, inline } from '@conduit/database';

export interface PreparedStatement {
  name: string;
  sql: string;
}

/** A statement with a name that changes whenever its text does, so a connection never runs an older text. */
export function preparedStatement(label: string, sql: string): PreparedStatement {
  return { name: `conduit_${label}_${createHash('sha256').update(sql).digest('hex').slice(0, 12)}`, sql };
}

@Injectable()
export class PreparedRoundTrip {
  private readonly pool: Pool;
  // Per connection, the statements it has prepared; a connection the pool drops takes its entry with it.
  readonly #prepared = new WeakMap<PoolClient, Set<string>>();

  constructor(@InjectDataSource() dataSource: DataSource) {
    // TypeORM's own pg pool: same connections, same limits, same runtime role.
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  /** Runs the statement with `values` in tenantId; durable false commits without waiting for the WAL flush. */
  async query<R>(tenantId: string, statement: PreparedStatement, values: readonly SqlValue[], options: { durable: boolean }): Promise<R[]> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      const known = this.#prepared.get(client) ?? new Set<string>();
      const parts: string[] = [];
      if (!known.has(statement.name)) parts.push(`PREPARE ${statement.name} AS ${statement.sql}`);
      const settings = [inline(`set_config($1, $2, true)`, [TENANT_SETTING, tenantId])];
      if (!options.durable) settings.push(`set_config('synchronous_commit', 'off', true)`);
      parts.push(`SELECT ${settings.join(', ')}`);
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
      client.release(broken);
    }
  }
}
