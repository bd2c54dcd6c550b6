// pg-pool's two timeouts, told apart on a real pool against a server that accepts connections and never answers.
import { Server, Socket, createServer } from 'node:net';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { MetricsRegistry } from '@conduit/platform';
import { PoolMetrics, poolWaitTimeout } from './pool-metrics';

const TIMEOUT_MS = 100;

describe('PoolMetrics', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let pool: Pool;
  let metrics: MetricsRegistry;

  beforeEach(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    pool = new Pool({ host: '127.0.0.1', port, user: 'x', database: 'x', max: 1, connectionTimeoutMillis: TIMEOUT_MS });
    pool.on('error', () => undefined);
    metrics = new MetricsRegistry();
    new PoolMetrics(metrics, { driver: { master: pool } } as unknown as DataSource);
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    // Already closed by a test that needed a refused connection: close() then just reports so.
    await new Promise((resolve) => server.close(resolve));
    await pool.end();
  });

  const value = async (series: string): Promise<number> => {
    const line = (await metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
    if (line === undefined) throw new Error(`no ${series}`);
    return Number(line.slice(series.length + 1));
  };

  it('counts a new connection that was not opened in time, and a queued wait for a full pool, apart', async () => {
    // The first caller opens the pool's one connection, which never completes; the second queues behind it.
    const opening = pool.connect();
    const queued = new Promise((resolve, reject) => pool.connect((err) => (err ? reject(err) : resolve(undefined))));
    expect(await value('conduit_db_pool_waiting_requests')).toBe(1);
    expect(await value('conduit_db_pool_open_connections')).toBe(1);
    expect(await value('conduit_db_pool_max_connections')).toBe(1);

    const [first, second] = await Promise.allSettled([opening, queued]);
    expect(first.status === 'rejected' && poolWaitTimeout(first.reason)).toBe('new_connection');
    expect(second.status === 'rejected' && poolWaitTimeout(second.reason)).toBe('free_connection');
    expect(await value('conduit_db_pool_wait_timeouts_total{waiting_for="new_connection"}')).toBe(1);
    expect(await value('conduit_db_pool_wait_timeouts_total{waiting_for="free_connection"}')).toBe(1);
    expect(await value('conduit_db_pool_wait_seconds_count')).toBe(2);
    expect(await value('conduit_db_pool_wait_seconds_sum')).toBeGreaterThanOrEqual((2 * (TIMEOUT_MS - 5)) / 1000);
    expect(await value('conduit_db_pool_waiting_requests')).toBe(0);
  });

  it('leaves out failures that are no wait (a refused connection) and recognises nothing else as a timeout', async () => {
    await new Promise((resolve) => server.close(resolve));
    await expect(pool.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await value('conduit_db_pool_wait_seconds_count')).toBe(0);
    expect(await value('conduit_db_pool_wait_timeouts_total{waiting_for="new_connection"}')).toBe(0);
    expect(poolWaitTimeout(new Error('Connection terminated unexpectedly'))).toBeUndefined();
    expect(poolWaitTimeout('timeout exceeded when trying to connect')).toBeUndefined();
  });
});
