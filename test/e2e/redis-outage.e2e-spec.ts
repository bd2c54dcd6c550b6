// Redis away and back: a Redis of the test's own is killed (SIGKILL) under a running API (in process) and worker (child
// process, the real entry point), then started again, empty, on the same port. While it is away, publishes and
// receives are still accepted at once and nothing answers 500; readiness says degraded; the outage is logged once per
// process. Once it is back, with neither process restarted, everything accepted meanwhile is routed and delivered.
import { Logger } from '@nestjs/common';
import { TestRedisServer } from '../support/redis-server';
import type { HttpResult } from '../support/test-api';
import { TestStack, WorkerProcess, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

/** A correctness bound, not a speed target: a request that waited for Redis would wait until it came back. */
const ANSWER_WITHIN_MS = 2000;
const OUTAGE_LOG = /Redis is unavailable/;

describe('Redis away and back', () => {
  let redis: TestRedisServer;
  let stack: TestStack;
  let worker: WorkerProcess;
  let receiver: WebhookReceiver;
  let token: string;
  let platformToken: string;
  let ingestPath: string;
  let workerLog = '';
  const apiLogs: { level: string; text: string }[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    const fast = { WEBHOOK_RECONCILE_INTERVAL_MS: '500', HEARTBEAT_INTERVAL_MS: '1000' };
    stack = await startTestStack({ worker: false, config: { REDIS_URL: redis.url, ...fast } });
    // The suite's own client would report every failed reconnect attempt on stderr.
    stack.redis.on('error', () => undefined);
    worker = await stack.startWorkerProcess({ ...fast, LOG_LEVEL: 'info' });
    worker.process.stdout?.on('data', (d: Buffer) => (workerLog += d.toString()));
    worker.process.stderr?.on('data', (d: Buffer) => (workerLog += d.toString()));
    await worker.healthy();
    receiver = await startWebhookReceiver();

    await stack.api.seedTenant('root');
    await stack.api.seedTenant('acme', 'root');
    token = (await stack.api.seedUser('acme', 'tenant_admin')).token;
    platformToken = (await stack.api.seedUser('root', 'platform_admin')).token;
    const sub = await stack.api.request('POST', '/api/v1/subscriptions', {
      token,
      body: { app_name: 'outage', target_url: receiver.url('/outage'), event_types: ['outage.*'], retry_schedule: [1] },
    });
    expect(sub.status, sub.text).toBe(201);
    const source = await stack.api.request('POST', '/api/v1/sources', {
      token,
      body: { name: 'outage-in', provider: 'none', event_type_path: '$.kind' },
    });
    expect(source.status, source.text).toBe(201);
    ingestPath = new URL(source.body.ingest_url).pathname;

    // The API runs in this process with logging off: what it would log is seen at Nest's Logger and the console.
    for (const level of ['error', 'warn'] as const) {
      const original = Logger.prototype[level];
      vi.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
        apiLogs.push({ level, text: JSON.stringify(args) });
        return (original as (...a: unknown[]) => void).apply(this, args);
      });
    }
    vi.spyOn(console, 'error').mockImplementation(
      (...args: unknown[]) => void consoleErrors.push(args.map(String).join(' ')),
    );
  }, 120_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    await receiver?.close();
    await redis?.restart().catch(() => undefined); // the stack cleans its prefix up in Redis
    await stack?.close();
    await redis?.kill();
  });

  /** Sends a request and checks it was answered, 2xx, within the bound. */
  async function timed(what: string, send: () => Promise<HttpResult>, expected: number): Promise<HttpResult> {
    const started = Date.now();
    const res = await send();
    const took = Date.now() - started;
    expect(res.status, `${what}: ${res.text}`).toBe(expected);
    expect(took, `${what} took ${took} ms`).toBeLessThan(ANSWER_WITHIN_MS);
    return res;
  }
  const publish = (n: number) =>
    timed(
      `publish ${n}`,
      () =>
        stack.api.request('POST', '/api/v1/events', {
          token,
          body: { event_name: 'outage.published', payload: { n } },
        }),
      202,
    );
  const receive = (n: number) =>
    timed(
      `receive ${n}`,
      () =>
        stack.api.request('POST', ingestPath, {
          rawBody: JSON.stringify({ kind: 'outage.received', n }),
          headers: { 'content-type': 'application/json' },
        }),
      200,
    );
  const delivered = (kind: string, n: number) =>
    receiver.to('/outage').filter((r) => {
      const body = JSON.parse(r.body) as { type?: string; data?: { n?: number } };
      return body.type === kind && body.data?.n === n;
    }).length > 0;
  const ready = () => stack.api.request('GET', '/health/ready');
  const workerHealth = async () => {
    const res = await fetch(`http://127.0.0.1:${worker.port}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('accepts work at once while Redis is away, says degraded, and delivers everything once it is back', async () => {
    // Up: the path works end to end.
    await publish(1);
    await receive(1);
    await waitFor(
      'work done before the outage',
      async () => delivered('outage.published', 1) && delivered('outage.received', 1),
      20_000,
    );
    expect((await ready()).body.status).toBe('ok');

    // Away.
    const logsBefore = apiLogs.length;
    await redis.kill();
    await waitFor(
      'readiness to say degraded',
      async () => ((await ready()).body.status === 'degraded' ? true : undefined),
      5000,
    );
    const during = await ready();
    expect(during.status).toBe(200);
    expect(during.body).toMatchObject({
      status: 'degraded',
      info: { database: { status: 'up' } },
      error: { redis: { status: 'down' } },
    });
    await waitFor(
      'the worker to say degraded',
      async () => ((await workerHealth()).body.status === 'degraded' ? true : undefined),
      5000,
    );
    expect(await workerHealth()).toMatchObject({
      status: 200,
      body: { status: 'degraded', redis: 'down', database: 'up' },
    });

    const accepted = { published: [] as number[], received: [] as number[] };
    for (let n = 2; n <= 7; n++) {
      await publish(n);
      accepted.published.push(n);
      await receive(n);
      accepted.received.push(n);
      // Time for reconnect attempts (one every 2 s at most) to fail meanwhile: none of them may show in the logs.
      await new Promise((r) => setTimeout(r, 500));
    }
    // Logging in still works (rate limits count in this process), a wrong password is a 401 and not a 500.
    await timed(
      'login',
      () =>
        stack.api.request('POST', '/api/v1/auth/login', {
          body: { email: 'tenant_admin.acme@example.test', password: 'correct-horse-battery-staple' },
        }),
      200,
    );
    await timed(
      'bad login',
      () =>
        stack.api.request('POST', '/api/v1/auth/login', {
          body: { email: 'tenant_admin.acme@example.test', password: 'wrong' },
        }),
      401,
    );
    await timed('reads', () => stack.api.request('GET', '/api/v1/subscriptions', { token }), 200);
    await timed('metrics', () => stack.api.request('GET', '/metrics'), 200);
    // The board is Redis itself: a 503 with a code and Retry-After, never a 500 or a hung request.
    const board = await timed(
      'queue board',
      () => stack.api.request('GET', '/admin/queues/api/queues', { token: platformToken }),
      503,
    );
    expect(board.body.error.code).toBe('queue_unavailable');
    expect(board.headers.get('retry-after')).toBe('5');
    // Nothing accepted meanwhile has reached the receiver (no queue), but every request is stored.
    expect(accepted.published.some((n) => delivered('outage.published', n))).toBe(false);
    const stored = await stack.api.sql(`SELECT count(*)::int AS n FROM inbound_events WHERE status = 'accepted'`);
    expect(stored[0].n).toBe(accepted.received.length);
    expect(worker.process.exitCode).toBeNull();

    // Back, empty, on the same port; neither process is restarted.
    await redis.restart();
    await waitFor(
      'everything accepted during the outage to be delivered',
      async () =>
        accepted.published.every((n) => delivered('outage.published', n)) &&
        accepted.received.every((n) => delivered('outage.received', n)),
      30_000,
    );
    await waitFor('readiness to say ok', async () => ((await ready()).body.status === 'ok' ? true : undefined), 10_000);
    // The API's own queues work again: new work goes out through them, well before a reconciler would pick it up (30
    // s).
    await publish(8);
    await receive(8);
    await waitFor(
      'new work delivered through the queues',
      async () => delivered('outage.published', 8) && delivered('outage.received', 8),
      10_000,
    );
    await waitFor(
      'the worker to say ok with a heartbeat',
      async () => {
        const health = await workerHealth();
        return health.status === 200 && health.body.status === 'ok' && health.body.last_heartbeat_at ? true : undefined;
      },
      15_000,
    );
    const routed = await stack.api.sql(`SELECT status, count(*)::int AS n FROM inbound_events GROUP BY status`);
    expect(routed).toEqual([{ status: 'routed', n: accepted.received.length + 2 }]);
    expect(worker.process.exitCode).toBeNull();

    // Said once per process, not per request or reconnect attempt; nothing else complained.
    const outageLogs = apiLogs.slice(logsBefore);
    expect(
      outageLogs.filter((l) => OUTAGE_LOG.test(l.text)),
      JSON.stringify(outageLogs),
    ).toHaveLength(1);
    expect(outageLogs.length, JSON.stringify(outageLogs)).toBeLessThanOrEqual(2);
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
    const workerLines = workerLog.split('\n').filter((line) => line.trim() !== '');
    const loud = workerLines.filter(
      (line) => !line.startsWith('{') || (JSON.parse(line) as { level: number }).level >= 40,
    );
    expect(
      workerLines.filter((line) => OUTAGE_LOG.test(line)),
      loud.join('\n'),
    ).toHaveLength(1);
    expect(workerLines.filter((line) => /Redis is available again/.test(line))).toHaveLength(1);
    expect(loud.length, loud.join('\n')).toBeLessThanOrEqual(3);
  }, 120_000);
});
