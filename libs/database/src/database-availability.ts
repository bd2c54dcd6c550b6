// One process's watch on its PostgreSQL: every connection of the pool reports here, so no connection error can be an
// unhandled 'error' event (which ends the process), and an outage is logged once when it starts and once when it ends
// rather than once per request or job that met it.
import { Injectable, Logger } from '@nestjs/common';
import { Client, ClientConfig } from 'pg';
import { Clock } from '@conduit/platform';
import { DatabaseOutage } from './database-outage';
import { TenantDatabaseUnavailableError, isDatabaseUnavailable } from './sql-errors';

const LOST_WITH = Symbol('conduit.connectionLostWith');

/**
 * The error a pool connection died of, if it died. TypeORM answers every later statement of a transaction on it with
 * "query runner already released"; this is what the caller should be told instead (a 503, not a 500).
 */
export function connectionLoss(connection: unknown): Error | undefined {
  return typeof connection === 'object' && connection !== null
    ? (connection as { [LOST_WITH]?: Error })[LOST_WITH]
    : undefined;
}

/** Remembers the error a connection died of (what connectionLoss answers): for pg Client classes of other watches. */
export function markConnectionLost(connection: object, err: Error): void {
  (connection as { [LOST_WITH]?: Error })[LOST_WITH] ??= err;
}

@Injectable()
export class DatabaseAvailability {
  private readonly logger = new Logger('database');
  private readonly outage = new DatabaseOutage();

  constructor(private readonly clock: Clock) {}

  /** Whether the last thing noticed was a failure (no connection has succeeded since). */
  get away(): boolean {
    return this.outage.away;
  }

  /**
   * Takes note of err when it says the database is away (and returns true: the caller need not log it); any other
   * error is the caller's to handle. Safe to call from anywhere, any number of times.
   */
  notice(err: unknown): boolean {
    // A dedicated tenant's database: its own watch took note (TenantDatabases); not this database's outage.
    if (err instanceof TenantDatabaseUnavailableError) return true;
    if (!isDatabaseUnavailable(err)) return false;
    if (this.outage.failed(this.clock.now().getTime())) {
      this.logger.warn(
        { err: describe(err) },
        'database unavailable: answering 503 database_unavailable and retrying work later until it is back',
      );
    }
    return true;
  }

  /** A connection succeeded: the database is back, if it was away. */
  connected(): void {
    const ended = this.outage.succeeded(this.clock.now().getTime());
    if (ended) this.logger.log({ outage_ms: ended.durationMs, failures: ended.failures }, 'database available again');
  }

  /**
   * The pg Client class for the pool (pg-pool's `Client` option): each connection has an 'error' listener for its
   * whole life, checked out or idle, and reports its failures to connect and its successes here.
   */
  clientClass(): typeof Client {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the class below is built per service instance
    const availability = this;
    return class ObservedClient extends Client {
      constructor(config?: string | ClientConfig) {
        super(config);
        // Whoever holds the connection learns of the failure from its query; the pool discards a dead connection.
        this.on('error', (err: Error) => {
          markConnectionLost(this, err);
          if (!availability.notice(err)) availability.logger.warn({ err: describe(err) }, 'database connection error');
        });
      }

      override connect(): Promise<Client>;
      override connect(callback: (err: Error) => void): void;
      override connect(callback?: (err: Error) => void): Promise<Client> | void {
        if (!callback) {
          return super.connect().then(
            (client) => {
              availability.connected();
              return client;
            },
            (err: unknown) => {
              availability.notice(err);
              throw err;
            },
          );
        }
        super.connect((err: Error | null) => {
          if (err) availability.notice(err);
          else availability.connected();
          callback(err as Error);
        });
      }
    };
  }
}

function describe(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const { code, message } = err as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : err.constructor.name;
  return typeof code === 'string' ? `${code} ${text}` : text;
}
