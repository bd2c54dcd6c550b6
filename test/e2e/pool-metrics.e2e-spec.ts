// The PostgreSQL pool on /metrics, API and worker: the size configured, what is open and idle, callers waiting while
// every connection is busy, how long they waited, and the waits that gave up after DATABASE_CONNECT_TIMEOUT_MS. The
// pool is held busy through the app's own pool, in-process, so the waits are the app's and the timing is the test's.
import type { INestApplication } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { TestApi, startTestApi } from '../support/test-api';
import { TestWorker, startTestWorker, waitFor } from '../support/test-worker';

const METRICS_TOKEN = 'pool-metrics-scrape-token';

function poolOf(app: INestApplication): Pool {
  return (app.get<DataSource>(getDataSourceToken()).driver as unknown as { master: Pool }).master;
}

/** The value of one series (name with its labels, as Prometheus prints it), or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function value(text: string, series: string): number {
  const found = sample(text, series);
  if (found === undefined) throw new Error(`${series} is not on /metrics`);
  return found;
}

/** Takes every connection of the pool (through its connect(), as the app's own callers do). */
async function holdAll(pool: Pool, size: number): Promise<PoolClient[]> {
  return Promise.all(Array.from({ length: size }, () => pool.connect()));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('database pool metrics: API', () => {
  const POOL_SIZE = 2;
  const CONNECT_TIMEOUT_MS = 1000;
  let api: TestApi;
  let pool: Pool;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi({
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      METRICS_TOKEN,
    });
    await api.seedTenant('pool');
    ({ token } = await api.seedUser('pool', 'tenant_admin'));
    pool = poolOf(api.app);
  });
  afterAll(() => api.close());

  const scrape = async (): Promise<string> => {
    const res = await api.request('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text;
  };
  const me = () => api.request('GET', '/api/v1/auth/me', { token });

  it('reports the pool size configured (DATABASE_POOL_SIZE), its open and idle connections, and nobody waiting', async () => {
    expect((await me()).status).toBe(200);
    const text = await scrape();
    expect(text).toContain('# TYPE conduit_db_pool_max_connections gauge');
    expect(text).toMatch(/^# HELP conduit_db_pool_waiting_requests \S/m);
    expect(value(text, 'conduit_db_pool_max_connections')).toBe(POOL_SIZE);
    const open = value(text, 'conduit_db_pool_open_connections');
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(POOL_SIZE);
    expect(value(text, 'conduit_db_pool_idle_connections')).toBeLessThanOrEqual(open);
    expect(value(text, 'conduit_db_pool_waiting_requests')).toBe(0);
    // The request above checked connections out and back in.
    expect(value(text, 'conduit_db_pool_wait_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'conduit_db_pool_hold_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('shows requests waiting while every connection is busy, and how long they waited', async () => {
    const before = await scrape();
    const held = await holdAll(pool, POOL_SIZE);
    let request: ReturnType<typeof me> | undefined;
    try {
      const holding = await scrape();
      // The test's own checkouts went through the same measured connect() (its promise form).
      expect(value(holding, 'conduit_db_pool_wait_seconds_count')).toBeGreaterThanOrEqual(
        value(before, 'conduit_db_pool_wait_seconds_count') + POOL_SIZE,
      );
      expect(value(holding, 'conduit_db_pool_open_connections')).toBe(POOL_SIZE);
      expect(value(holding, 'conduit_db_pool_idle_connections')).toBe(0);

      request = me();
      const waiting = await waitFor('a request waiting for a connection', async () => {
        const text = await scrape();
        return value(text, 'conduit_db_pool_waiting_requests') >= 1 ? text : undefined;
      });
      expect(value(waiting, 'conduit_db_pool_waiting_requests')).toBeGreaterThanOrEqual(1);
      // Long enough to tell apart from a connection handed over at once; well short of the timeout.
      await sleep(300);
      held.pop()?.release();
      expect((await request).status).toBe(200);

      const after = await scrape();
      expect(value(after, 'conduit_db_pool_waiting_requests')).toBe(0);
      const waits = (text: string) => value(text, 'conduit_db_pool_wait_seconds_count');
      const slowWaits = (text: string) => waits(text) - value(text, 'conduit_db_pool_wait_seconds_bucket{le="0.25"}');
      expect(waits(after)).toBeGreaterThan(waits(holding));
      expect(slowWaits(after)).toBeGreaterThanOrEqual(slowWaits(holding) + 1);
      expect(value(after, 'conduit_db_pool_wait_seconds_sum')).toBeGreaterThanOrEqual(
        value(holding, 'conduit_db_pool_wait_seconds_sum') + 0.3,
      );
      // The test's connections count as held from checkout to release too.
      expect(value(after, 'conduit_db_pool_hold_seconds_sum')).toBeGreaterThanOrEqual(
        value(holding, 'conduit_db_pool_hold_seconds_sum') + 0.3,
      );
    } finally {
      for (const client of held) client.release();
      await request?.catch(() => undefined);
    }
  });

  it('counts a wait that gave up after DATABASE_CONNECT_TIMEOUT_MS (the request is a 503)', async () => {
    const timeouts = (text: string) =>
      value(text, 'conduit_db_pool_wait_timeouts_total{waiting_for="free_connection"}');
    const held = await holdAll(pool, POOL_SIZE);
    try {
      const before = await scrape();
      const started = performance.now();
      const res = await me();
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('database_unavailable');
      expect(performance.now() - started).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);

      const after = await scrape();
      expect(timeouts(after)).toBeGreaterThanOrEqual(timeouts(before) + 1);
      expect(value(after, 'conduit_db_pool_wait_timeouts_total{waiting_for="new_connection"}')).toBe(0);
      // A timed-out wait is a wait too: it is in the histogram with the time it waited.
      expect(value(after, 'conduit_db_pool_wait_seconds_sum')).toBeGreaterThanOrEqual(
        value(before, 'conduit_db_pool_wait_seconds_sum') + (CONNECT_TIMEOUT_MS - 50) / 1000,
      );
    } finally {
      for (const client of held) client.release();
    }
    expect((await me()).status).toBe(200);
  });
});

describe('database pool metrics: worker', () => {
  const POOL_SIZE = 3;
  let worker: TestWorker;
  let pool: Pool;

  beforeAll(async () => {
    worker = await startTestWorker({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
    pool = poolOf(worker.app);
  });
  afterAll(() => worker.close());

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${worker.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it('reports its own pool: its size, and a query waiting for a busy pool (pool.query, as TenantRoundTrip uses)', async () => {
    const before = await scrape();
    expect(value(before, 'conduit_db_pool_max_connections')).toBe(POOL_SIZE);
    expect(value(before, 'conduit_db_pool_wait_timeouts_total{waiting_for="free_connection"}')).toBe(0);

    const held = await holdAll(pool, POOL_SIZE);
    let query: Promise<unknown> | undefined;
    try {
      const holding = await scrape();
      expect(value(holding, 'conduit_db_pool_open_connections')).toBe(POOL_SIZE);
      query = pool.query('SELECT 1');
      await waitFor('a query waiting for a connection', async () => {
        return value(await scrape(), 'conduit_db_pool_waiting_requests') >= 1;
      });
      await sleep(300);
      held.pop()?.release();
      await query;
      const after = await scrape();
      expect(value(after, 'conduit_db_pool_wait_seconds_sum')).toBeGreaterThanOrEqual(
        value(holding, 'conduit_db_pool_wait_seconds_sum') + 0.3,
      );
    } finally {
      for (const client of held) client.release();
      await query?.catch(() => undefined);
    }
  });
});
