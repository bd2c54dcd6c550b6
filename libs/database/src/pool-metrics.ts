// The PostgreSQL pool's metrics, in the process's registry (API and worker alike): its size and what is open, idle and
// waiting, read at scrape time; how long callers waited for a connection and how long they held one, measured by one
// wrap of the pool's connect() and its acquire/release events, set up once when the process starts.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsRegistry } from '@conduit/platform';

/** Seconds: a free connection is handed over in well under a millisecond; the API gives up after 5 s by default. */
const WAIT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** Seconds: one round trip on a quiet database is a fraction of a millisecond; a worker's batch may take seconds. */
const HOLD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What a timed-out wait was waiting for: a connection of a full pool to come free, or a new one to be opened. */
export type PoolWaitTimeout = 'free_connection' | 'new_connection';

/** Which of pg-pool's two timeouts (both connectionTimeoutMillis, i.e. DATABASE_CONNECT_TIMEOUT_MS) err is, if any. */
export function poolWaitTimeout(err: unknown): PoolWaitTimeout | undefined {
  const message = err instanceof Error ? err.message : '';
  if (message.startsWith('timeout exceeded when trying to connect')) return 'free_connection';
  if (message.startsWith('Connection terminated due to connection timeout')) return 'new_connection';
  return undefined;
}

type ConnectCallback = (
  err: Error | undefined,
  client: PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

const ACQUIRED_AT = Symbol('conduit.acquiredAt');
type TimedClient = PoolClient & { [ACQUIRED_AT]?: number };

@Injectable()
export class PoolMetrics {
  private readonly wait: Histogram;
  private readonly timeouts: Counter<'waiting_for'>;
  private readonly hold: Histogram;

  constructor({ registry }: MetricsRegistry, @InjectDataSource() dataSource: DataSource) {
    // TypeORM's pg pool: every query runner, and TenantRoundTrip, take their connections from it.
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    registerPoolGauges(registry, pool);
    this.wait = new Histogram({
      name: 'conduit_db_pool_wait_seconds',
      help: 'Time a caller waited for a connection of the PostgreSQL pool (a free one, or a new one opened), timed-out waits included',
      buckets: WAIT_BUCKETS,
      registers: [registry],
    });
    this.timeouts = new Counter({
      name: 'conduit_db_pool_wait_timeouts_total',
      help: 'Waits for a connection of the PostgreSQL pool that gave up after DATABASE_CONNECT_TIMEOUT_MS, by what they waited for',
      labelNames: ['waiting_for'] as const,
      registers: [registry],
    });
    this.hold = new Histogram({
      name: 'conduit_db_pool_hold_seconds',
      help: 'Time a connection of the PostgreSQL pool was held, from checkout to release (rate of _sum: connections busy on average)',
      buckets: HOLD_BUCKETS,
      registers: [registry],
    });
    for (const waitingFor of ['free_connection', 'new_connection'] as const)
      this.timeouts.inc({ waiting_for: waitingFor }, 0);
    this.measureWaits(pool);
    this.measureHolds(pool);
  }

  /** Wraps pool.connect(), which TypeORM's query runners, pool.query() and TenantRoundTrip all go through. */
  private measureWaits(pool: Pool): void {
    const connect = pool.connect.bind(pool) as (callback: ConnectCallback) => void;
    const waited = (startedAt: number, err: Error | undefined): void => {
      const seconds = (performance.now() - startedAt) / 1000;
      if (!err) {
        this.wait.observe(seconds);
        return;
      }
      // A refused or failed connection is no wait for the pool: the database's outage is reported elsewhere.
      const timeout = poolWaitTimeout(err);
      if (timeout === undefined) return;
      this.wait.observe(seconds);
      this.timeouts.inc({ waiting_for: timeout });
    };
    function measuredConnect(callback?: ConnectCallback): Promise<PoolClient> | void {
      const startedAt = performance.now();
      if (callback) {
        connect((err, client, done) => {
          waited(startedAt, err);
          callback(err, client, done);
        });
        return;
      }
      return new Promise<PoolClient>((resolve, reject) =>
        connect((err, client) => {
          waited(startedAt, err);
          if (err) reject(err);
          else resolve(client as PoolClient);
        }),
      );
    }
    pool.connect = measuredConnect as Pool['connect'];
  }

  private measureHolds(pool: Pool): void {
    pool.on('acquire', (client: TimedClient) => {
      client[ACQUIRED_AT] = performance.now();
    });
    pool.on('release', (_err: Error | undefined, client: TimedClient) => {
      const acquiredAt = client[ACQUIRED_AT];
      if (acquiredAt !== undefined) this.hold.observe((performance.now() - acquiredAt) / 1000);
    });
  }
}

/** The pool's state, read when scraped: nothing is counted per checkout for these. */
function registerPoolGauges(registry: Registry, pool: Pool): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge(
    'conduit_db_pool_max_connections',
    'Size of the PostgreSQL connection pool (DATABASE_POOL_SIZE): the most connections this process opens',
    // pg-pool sets max when built (10 unless given); the fallback only satisfies its type.
    () => pool.options.max ?? 10,
  );
  gauge(
    'conduit_db_pool_open_connections',
    'Connections of the PostgreSQL pool open now, busy or idle',
    () => pool.totalCount,
  );
  gauge(
    'conduit_db_pool_idle_connections',
    'Connections of the PostgreSQL pool open and idle now',
    () => pool.idleCount,
  );
  gauge(
    'conduit_db_pool_waiting_requests',
    'Callers (requests, jobs) waiting now for a connection of the PostgreSQL pool',
    () => pool.waitingCount,
  );
}
