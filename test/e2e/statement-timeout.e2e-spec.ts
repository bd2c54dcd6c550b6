// Slow statements cannot hold the API: every connection runs under a statement_timeout (DATABASE_STATEMENT_TIMEOUT_MS
// for the API, ANALYTICS_STATEMENT_TIMEOUT_MS inside analytics, WORKER_STATEMENT_TIMEOUT_MS for the worker). A
// statement is made slow the way production makes it slow: another connection holds a lock it waits for (lock
// waits count toward statement_timeout).
import { Client } from 'pg';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';

const API_TIMEOUT_MS = 200;
const ANALYTICS_TIMEOUT_MS = 3000;
/** How long a statement is shown to wait beyond the API's budget before its lock is let go. */
const HELD_MS = 5 * API_TIMEOUT_MS;

describe('statement timeouts', () => {
  let stack: TestStack;
  let admin: { token: string };
  let locker: Client;

  beforeAll(async () => {
    stack = await startTestStack({
      worker: false,
      config: {
        DATABASE_STATEMENT_TIMEOUT_MS: String(API_TIMEOUT_MS),
        ANALYTICS_STATEMENT_TIMEOUT_MS: String(ANALYTICS_TIMEOUT_MS),
        WEBHOOK_RECONCILE_INTERVAL_MS: '200',
      },
    });
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
  });
  beforeEach(async () => {
    locker = new Client({ connectionString: stack.db.url });
    await locker.connect();
  });
  afterEach(async () => {
    await locker.end();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const api = () => stack.api;
  /** Takes a table lock in a transaction of its own, held until release(). */
  const lock = async (table: string, mode: string) => {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${table} IN ${mode} MODE`);
    return { release: () => locker.query('ROLLBACK') };
  };
  /** The backends of a process (by application_name) waiting for a lock right now. */
  const lockWaiters = async (application: string) =>
    api().sql<{ pid: number; waited_ms: number }>(
      `SELECT pid, extract(epoch FROM now() - query_start) * 1000 AS waited_ms FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1 AND state = 'active' AND wait_event_type = 'Lock'`,
      [application],
    );
  const subscription = (app_name: string) => ({
    app_name,
    target_url: 'http://127.0.0.1:9/hook',
    event_types: ['order.placed'],
  });

  it('answers a statement stopped by DATABASE_STATEMENT_TIMEOUT_MS with 503 query_timeout, writes nothing, and keeps serving', async () => {
    // SHARE: reads go on, an insert waits.
    const held = await lock('webhook_subscriptions', 'SHARE');
    try {
      const res = await api().request('POST', '/api/v1/subscriptions', {
        token: admin.token,
        body: subscription('slow-insert'),
      });
      expect(res.status, res.text).toBe(503);
      expect(res.body.error.code).toBe('query_timeout');
      expect(res.headers.get('retry-after')).toBe('5');
      // PostgreSQL stopped the statement itself: nothing of the API is left waiting on the lock.
      expect(await lockWaiters('conduit-api')).toEqual([]);
      // The same process answers what does not need the lock while it is still held.
      const list = await api().request('GET', '/api/v1/subscriptions', { token: admin.token });
      expect(list.status, list.text).toBe(200);
    } finally {
      await held.release();
    }
    expect(await api().sql(`SELECT id FROM webhook_subscriptions WHERE app_name = 'slow-insert'`)).toEqual([]);
    const again = await api().request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: subscription('after-the-lock'),
    });
    expect(again.status, again.text).toBe(201);
  });

  it('gives analytics ANALYTICS_STATEMENT_TIMEOUT_MS instead of the request budget, and answers 503 query_timeout past it', async () => {
    const held = await lock('webhook_deliveries', 'ACCESS EXCLUSIVE');
    let released = false;
    try {
      // An ordinary route on the same table is stopped at the request budget...
      const list = await api().request('GET', '/api/v1/deliveries', { token: admin.token });
      expect(list.status, list.text).toBe(503);
      expect(list.body.error.code).toBe('query_timeout');
      // ...while analytics wait well beyond it and answer once the lock is gone.
      const analytics = api().request('GET', '/api/v1/analytics/deliveries', { token: admin.token });
      const waiter = await waitFor(
        'the analytics statement waiting on the lock',
        async () => (await lockWaiters('conduit-api'))[0],
      );
      await new Promise((r) => setTimeout(r, HELD_MS));
      expect((await lockWaiters('conduit-api')).map((w) => w.pid)).toEqual([waiter.pid]);
      await held.release();
      released = true;
      const res = await analytics;
      expect(res.status, res.text).toBe(200);
      expect(res.body.data).toEqual([]);
    } finally {
      if (!released) await held.release();
    }
    // Past its own budget, analytics are stopped too.
    const still = await lock('webhook_deliveries', 'ACCESS EXCLUSIVE');
    try {
      const res = await api().request('GET', '/api/v1/analytics/chains', { token: admin.token });
      expect(res.status, res.text).toBe(200); // chains' tables are not locked
      const slow = await api().request('GET', '/api/v1/analytics/deliveries', { token: admin.token });
      expect(slow.status, slow.text).toBe(503);
      expect(slow.body.error.code).toBe('query_timeout');
      expect(slow.headers.get('retry-after')).toBe('5');
    } finally {
      await still.release();
    }
  });

  it('runs the worker under WORKER_STATEMENT_TIMEOUT_MS, not the API budget', async () => {
    await stack.startWorker();
    try {
      const held = await lock('webhook_deliveries', 'ACCESS EXCLUSIVE');
      let released = false;
      try {
        // The delivery reconciler's scan (every 200 ms here) waits on the lock, far longer than the API may.
        const waiter = await waitFor(
          'a worker statement waiting on the lock',
          async () => (await lockWaiters('conduit-worker'))[0],
        );
        await new Promise((r) => setTimeout(r, HELD_MS));
        const waiting = await lockWaiters('conduit-worker');
        expect(waiting.map((w) => w.pid)).toContain(waiter.pid);
        expect(Math.max(...waiting.map((w) => w.waited_ms))).toBeGreaterThan(HELD_MS);
        await held.release();
        released = true;
      } finally {
        if (!released) await held.release();
      }
      // Once the lock is gone, the worker's statements finish and nothing is left waiting.
      await waitFor('the worker to stop waiting', async () => (await lockWaiters('conduit-worker')).length === 0);
      const health = await fetch(stack.workerUrl('/health'));
      expect(health.status).toBe(200);
    } finally {
      await stack.stopWorker();
    }
  });
});
