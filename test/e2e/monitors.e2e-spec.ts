// HTTP monitors (issue 18 point 9): CRUD under /api/v1/monitors with its validation, roles and audit; checks run by
// two worker processes against a real HTTP target on 127.0.0.1, exactly one per interval; monitor.down and
// monitor.up delivered once each to a subscription; stats percentiles computed in SQL; metrics; the address policy at
// check time; retention of old checks.
import { MonitorChecker, MonitorChecksRetention } from '@conduit/monitors/engine';
import { TestStack, WorkerProcess, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const TICK_MS = '100';

interface CheckRow {
  scheduled_for: Date;
  checked_at: Date;
  status: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

describe('monitors', () => {
  let stack: TestStack;
  let target: WebhookReceiver;
  let hooks: WebhookReceiver;
  let second: WorkerProcess;
  let tenantId: string;
  let admin: { token: string };
  let analyst: { token: string };
  let otherAdmin: { token: string };

  beforeAll(async () => {
    stack = await startTestStack({
      config: { MONITOR_MIN_INTERVAL_SECONDS: '1', MONITOR_TICK_MS: TICK_MS, WEBHOOK_RECONCILE_INTERVAL_MS: '500' },
    });
    target = await startWebhookReceiver();
    hooks = await startWebhookReceiver();
    tenantId = (await stack.api.seedTenant('acme')).id;
    await stack.api.seedTenant('globex');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    analyst = await stack.api.seedUser('acme', 'analyst');
    otherAdmin = await stack.api.seedUser('globex', 'tenant_admin');
  }, 60_000);
  afterAll(async () => {
    await target?.close();
    await hooks?.close();
    await stack?.close();
  });

  const api = () => stack.api;
  const create = (body: Record<string, unknown>, token = admin.token) =>
    api().request('POST', '/api/v1/monitors', { token, body });
  const monitorBody = (path: string, extra: Record<string, unknown> = {}) => ({
    name: `Monitor ${path}`,
    url: target.url(path),
    interval_seconds: 1,
    timeout_ms: 800,
    ...extra,
  });
  const checksOf = (monitorId: string) =>
    api().sql<CheckRow>(
      `SELECT scheduled_for, checked_at, status, status_code, latency_ms, error FROM monitor_checks
        WHERE monitor_id = $1 ORDER BY scheduled_for`,
      [monitorId],
    );
  const get = async (id: string) => (await api().request('GET', `/api/v1/monitors/${id}`, { token: admin.token })).body;
  const audits = async (action: string) =>
    (await api().sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = $1`, [action]))[0].n;

  describe('the API', () => {
    it('creates, reads, lists (cursor, filters), updates and deletes a monitor; every change audited', async () => {
      const res = await create({
        name: ' Billing health ',
        url: 'https://billing.example.test/health',
        enabled: false,
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        tenant_id: tenantId,
        name: 'Billing health',
        url: 'https://billing.example.test/health',
        method: 'GET',
        interval_seconds: 60,
        timeout_ms: 10000,
        expected_status: '200-299',
        body_contains: null,
        failure_threshold: 3,
        enabled: false,
        status: 'unknown',
        consecutive_failures: 0,
        last_checked_at: null,
        last_latency_ms: null,
      });
      const id = res.body.id as string;
      expect(await get(id)).toEqual(res.body);

      const others: string[] = [];
      for (const n of [1, 2]) {
        const r = await create({ name: `other ${n}`, url: `http://example.test/${n}`, method: 'HEAD', enabled: false });
        expect(r.status, r.text).toBe(201);
        others.push(r.body.id);
      }
      const page1 = await api().request('GET', '/api/v1/monitors?limit=2&enabled=false', { token: analyst.token });
      expect(page1.status).toBe(200);
      expect(page1.body.data.map((m: { id: string }) => m.id)).toEqual([others[1], others[0]]);
      const page2 = await api().request(
        'GET',
        `/api/v1/monitors?limit=2&enabled=false&cursor=${page1.body.next_cursor}`,
        { token: analyst.token },
      );
      expect(page2.body.data.map((m: { id: string }) => m.id)).toContain(id);
      const downOnes = await api().request('GET', '/api/v1/monitors?status=down&enabled=false', { token: admin.token });
      expect(downOnes.body.data).toEqual([]);

      const patched = await api().request('PATCH', `/api/v1/monitors/${id}`, {
        token: admin.token,
        body: {
          method: 'POST',
          expected_status: '200,204,301-302',
          body_contains: 'ok',
          failure_threshold: 2,
          interval_seconds: 30,
          timeout_ms: 2000,
        },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body).toMatchObject({
        method: 'POST',
        expected_status: '200,204,301-302',
        body_contains: 'ok',
        failure_threshold: 2,
        interval_seconds: 30,
        timeout_ms: 2000,
        name: 'Billing health',
      });
      const cleared = await api().request('PATCH', `/api/v1/monitors/${id}`, {
        token: admin.token,
        body: { body_contains: null },
      });
      expect(cleared.body.body_contains).toBeNull();

      expect((await api().request('DELETE', `/api/v1/monitors/${id}`, { token: admin.token })).status).toBe(204);
      expect((await api().request('GET', `/api/v1/monitors/${id}`, { token: admin.token })).status).toBe(404);
      expect((await api().request('DELETE', `/api/v1/monitors/${id}`, { token: admin.token })).status).toBe(404);
      expect(await audits('monitor.create')).toBeGreaterThanOrEqual(3);
      expect(await audits('monitor.update')).toBe(2);
      // The 404 of the second delete is audited as a failure; the first one succeeded.
      const [deleted] = await api().sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'monitor.delete' AND outcome = 'success' AND target_id = $1`,
        [id],
      );
      expect(deleted.n).toBe(1);
    });

    it.each([
      ['a non-http(s) URL', { url: 'ftp://example.test/file' }, 'url'],
      ['a file URL', { url: 'file:///etc/passwd' }, 'url'],
      ['a relative URL', { url: '/health' }, 'url'],
      ['an unknown method', { method: 'TRACE' }, 'method'],
      ['an interval under the configured minimum', { interval_seconds: 0 }, 'interval_seconds'],
      ['an interval over a day', { interval_seconds: 86401 }, 'interval_seconds'],
      ['a fractional interval', { interval_seconds: 1.5 }, 'interval_seconds'],
      ['a timeout under 100 ms', { timeout_ms: 50 }, 'timeout_ms'],
      ['a timeout longer than the interval', { interval_seconds: 2, timeout_ms: 2500 }, 'timeout_ms'],
      ['an expected_status that is not codes', { expected_status: '2xx' }, 'expected_status'],
      ['a backwards range', { expected_status: '299-200' }, 'expected_status'],
      ['a threshold of 0', { failure_threshold: 0 }, 'failure_threshold'],
      ['an empty body_contains', { body_contains: '' }, 'body_contains'],
      ['a null enabled', { enabled: null }, 'enabled'],
    ])('refuses %s with 400 validation_failed and writes nothing', async (_what, extra, field) => {
      const before = (await api().sql<{ n: number }>(`SELECT count(*)::int AS n FROM monitors`))[0].n;
      const res = await create({ name: 'bad', url: 'https://example.test/', ...extra });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(JSON.stringify(res.body.error.details)).toContain(field);
      expect((await api().sql<{ n: number }>(`SELECT count(*)::int AS n FROM monitors`))[0].n).toBe(before);
    });

    it('refuses a PATCH with nothing to change, a bad window, and another tenant’s monitor (404)', async () => {
      const { body } = await create({ name: 'iso', url: 'https://example.test/iso', enabled: false });
      const empty = await api().request('PATCH', `/api/v1/monitors/${body.id}`, { token: admin.token, body: {} });
      expect(empty.status).toBe(400);
      const tooShort = await api().request('PATCH', `/api/v1/monitors/${body.id}`, {
        token: admin.token,
        body: { interval_seconds: 1, timeout_ms: 5000 },
      });
      expect(tooShort.status).toBe(400);
      expect(tooShort.body.error.details[0].field).toBe('timeout_ms');
      for (const window of ['30m', '31d', '1w', 'abc']) {
        const res = await api().request('GET', `/api/v1/monitors/${body.id}/stats?window=${window}`, {
          token: admin.token,
        });
        expect(res.status, window).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      for (const [method, path] of [
        ['GET', ''],
        ['PATCH', ''],
        ['DELETE', ''],
        ['GET', '/checks'],
        ['GET', '/stats'],
      ]) {
        const res = await api().request(method, `/api/v1/monitors/${body.id}${path}`, {
          token: otherAdmin.token,
          body: method === 'PATCH' ? { name: 'stolen' } : undefined,
        });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe('monitor_not_found');
      }
      expect((await api().request('GET', '/api/v1/monitors/not-a-uuid', { token: admin.token })).status).toBe(404);
    });

    it('lets analysts read but not write', async () => {
      const res = await create({ name: 'analyst', url: 'https://example.test/a' }, analyst.token);
      expect(res.status).toBe(403);
      const { body } = await create({ name: 'ro', url: 'https://example.test/ro', enabled: false });
      expect((await api().request('GET', `/api/v1/monitors/${body.id}`, { token: analyst.token })).status).toBe(200);
      const patch = await api().request('PATCH', `/api/v1/monitors/${body.id}`, {
        token: analyst.token,
        body: { enabled: true },
      });
      expect(patch.status).toBe(403);
      expect((await api().request('DELETE', `/api/v1/monitors/${body.id}`, { token: analyst.token })).status).toBe(403);
    });
  });

  describe('checks, with two worker processes', () => {
    beforeAll(async () => {
      // Another tick than the in-process worker's, so which worker claims a slot first keeps changing.
      second = await stack.startWorkerProcess({ MONITOR_TICK_MS: '130', WEBHOOK_RECONCILE_INTERVAL_MS: '500' });
      await second.healthy();
    }, 60_000);
    afterAll(async () => {
      second?.process.kill('SIGKILL');
    });

    it(
      'runs exactly one check per interval, stored with its slot; the target sees each check once; metrics add up',
      { timeout: 60_000 },
      async () => {
        target.respond(200, '/steady');
        const { body: monitor } = await create(monitorBody('/steady'));
        await waitFor('six checks', async () => (await checksOf(monitor.id)).length >= 6, 20_000);
        await api().request('PATCH', `/api/v1/monitors/${monitor.id}`, {
          token: admin.token,
          body: { enabled: false },
        });
        // Whatever was claimed before the switch finishes (each under its 800 ms timeout).
        await new Promise((r) => setTimeout(r, 1200));
        const checks = await checksOf(monitor.id);
        // One HTTP request per stored check: no slot was checked twice by the two workers.
        expect(target.to('/steady').length).toBe(checks.length);
        expect(checks.every((c) => c.status === 'ok' && c.status_code === 200 && c.error === null)).toBe(true);
        const slots = checks.map((c) => c.scheduled_for.getTime());
        expect(new Set(slots).size).toBe(slots.length);
        // Never two checks within one interval; slots one interval apart unless a worker fell behind.
        for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBeGreaterThanOrEqual(1000);

        const state = await get(monitor.id);
        expect(state).toMatchObject({ status: 'up', consecutive_failures: 0, enabled: false });
        expect(state.last_checked_at).not.toBeNull();
        expect(state.last_latency_ms).toBeGreaterThanOrEqual(0);

        // Counters of both workers add up to the checks; each worker exposes its own.
        const ownMetrics = await (await fetch(stack.workerUrl('/metrics'))).text();
        const childMetrics = await (await fetch(`http://127.0.0.1:${second.port}/metrics`)).text();
        const counted = checksCounted(ownMetrics, monitor.id) + checksCounted(childMetrics, monitor.id);
        expect(counted).toBe(checks.length);
        const withGauges = [ownMetrics, childMetrics].find((t) => t.includes(`monitor_id="${monitor.id}"`)) ?? '';
        expect(withGauges).toMatch(new RegExp(`conduit_monitor_up\\{[^}]*monitor_id="${monitor.id}"[^}]*\\} 1`, 'm'));
        expect(withGauges).toMatch(new RegExp(`conduit_monitor_last_latency_seconds\\{[^}]*tenant_id="${tenantId}"`));
        expect(withGauges).toMatch(new RegExp(`conduit_monitor_last_check_timestamp_seconds\\{[^}]*monitor_id=`));

        // The API lists them newest first, with a cursor.
        const page1 = await api().request('GET', `/api/v1/monitors/${monitor.id}/checks?limit=2`, {
          token: analyst.token,
        });
        expect(page1.status).toBe(200);
        expect(page1.body.data).toHaveLength(2);
        expect(page1.body.data[0]).toMatchObject({ monitor_id: monitor.id, status: 'ok', status_code: 200 });
        expect(Date.parse(page1.body.data[0].checked_at)).toBeGreaterThan(Date.parse(page1.body.data[1].checked_at));
        const all: string[] = page1.body.data.map((c: { id: string }) => c.id);
        let cursor = page1.body.next_cursor as string | null;
        while (cursor) {
          const next = await api().request('GET', `/api/v1/monitors/${monitor.id}/checks?limit=2&cursor=${cursor}`, {
            token: analyst.token,
          });
          all.push(...next.body.data.map((c: { id: string }) => c.id));
          cursor = next.body.next_cursor;
        }
        expect(all).toHaveLength(checks.length);
        expect(new Set(all).size).toBe(checks.length);
      },
    );

    it(
      'publishes monitor.down once at the threshold and monitor.up once on recovery, to a subscription',
      { timeout: 60_000 },
      async () => {
        const sub = await api().request('POST', '/api/v1/subscriptions', {
          token: admin.token,
          body: {
            app_name: 'monitor-alerts',
            target_url: hooks.url('/alerts'),
            event_types: ['monitor.*'],
            retry_schedule: [0, 1, 1],
          },
        });
        expect(sub.status, sub.text).toBe(201);
        let failing = true;
        target.respond(
          () => (failing ? { status: 503, body: 'maintenance' } : { status: 200, body: 'all good' }),
          '/flaky',
        );
        const { body: monitor } = await create(monitorBody('/flaky', { failure_threshold: 2, body_contains: 'good' }));
        const events = () =>
          hooks
            .to('/alerts')
            .map((r) => JSON.parse(r.body) as { type: string; data: unknown })
            .map((b) => ({ name: b.type, body: b }));

        await waitFor('monitor.down', async () => events().some((e) => e.name === 'monitor.down'), 20_000);
        const down = await get(monitor.id);
        expect(down.status).toBe('down');
        // More failures while down publish nothing more.
        await waitFor('four failures', async () => (await get(monitor.id)).consecutive_failures >= 4, 20_000);
        failing = false;
        await waitFor('monitor.up', async () => events().some((e) => e.name === 'monitor.up'), 20_000);
        // A few more successes: still one of each.
        const upChecks = (await checksOf(monitor.id)).length;
        await waitFor('three more checks', async () => (await checksOf(monitor.id)).length >= upChecks + 3, 20_000);
        await new Promise((r) => setTimeout(r, 1000));
        expect(events().map((e) => e.name)).toEqual(['monitor.down', 'monitor.up']);
        const stored = await api().sql<{ event_name: string; n: number }>(
          `SELECT event_name, count(*)::int AS n FROM webhook_events WHERE event_name LIKE 'monitor.%'
            AND payload->>'monitor_id' = $1 GROUP BY event_name ORDER BY event_name`,
          [monitor.id],
        );
        expect(stored).toEqual([
          { event_name: 'monitor.down', n: 1 },
          { event_name: 'monitor.up', n: 1 },
        ]);
        const payload = JSON.stringify(events()[0].body);
        expect(payload).toContain(monitor.id);
        expect(payload).toContain('"status":"down"');
        expect(payload).toContain('unexpected status 503');
        expect(await get(monitor.id)).toMatchObject({ status: 'up', consecutive_failures: 0 });
        const failed = (await checksOf(monitor.id)).filter((c) => c.status === 'failed');
        expect(failed.length).toBeGreaterThanOrEqual(4);
        expect(failed[0]).toMatchObject({ status_code: 503, error: 'unexpected status 503 (expected 200-299)' });
        await api().request('PATCH', `/api/v1/monitors/${monitor.id}`, {
          token: admin.token,
          body: { enabled: false },
        });
      },
    );

    it('answers stats with percentiles computed over the stored latencies', { timeout: 60_000 }, async () => {
      const delays = [50, 100, 150, 200, 400];
      target.respond((_req, nth) => ({ status: 200, delayMs: delays[(nth - 1) % delays.length] }), '/slow');
      const { body: monitor } = await create(monitorBody('/slow'));
      await waitFor('five checks', async () => (await checksOf(monitor.id)).length >= 5, 20_000);
      await api().request('PATCH', `/api/v1/monitors/${monitor.id}`, { token: admin.token, body: { enabled: false } });
      await new Promise((r) => setTimeout(r, 1200));
      const checks = await checksOf(monitor.id);
      const latencies = checks.map((c) => c.latency_ms).sort((a, b) => a - b);
      // Each check took at least its delay (the target's nth answer), and not much more: a local exchange.
      checks.forEach((c, i) => {
        expect(c.latency_ms).toBeGreaterThanOrEqual(delays[i % delays.length] - 5);
        expect(c.latency_ms).toBeLessThan(delays[i % delays.length] + 300);
      });

      const res = await api().request('GET', `/api/v1/monitors/${monitor.id}/stats?window=1h`, {
        token: analyst.token,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        monitor_id: monitor.id,
        window: '1h',
        checks: checks.length,
        ok: checks.length,
        failed: 0,
        uptime_ratio: 1,
      });
      expect(res.body.latency_p50_ms).toBeCloseTo(percentile(latencies, 0.5), 1);
      expect(res.body.latency_p95_ms).toBeCloseTo(percentile(latencies, 0.95), 1);
      expect(res.body.latency_p99_ms).toBeCloseTo(percentile(latencies, 0.99), 1);
      // Within the known delays.
      expect(res.body.latency_p50_ms).toBeGreaterThanOrEqual(95);
      expect(res.body.latency_p99_ms).toBeGreaterThanOrEqual(300);
      const def = await api().request('GET', `/api/v1/monitors/${monitor.id}/stats`, { token: admin.token });
      expect(def.body).toMatchObject({ window: '24h', checks: checks.length });
    });

    it('records a slot once and publishes its event once when the same check is written again', async () => {
      target.respond(500, '/retried');
      const { body: monitor } = await create(
        monitorBody('/retried', { failure_threshold: 1, enabled: false, name: 'retried' }),
      );
      const claim = {
        id: monitor.id,
        tenant_id: monitor.tenant_id,
        url: monitor.url,
        method: monitor.method,
        interval_seconds: 1,
        timeout_ms: 800,
        expected_status: '200-299',
        body_contains: null,
        slot: new Date(Date.parse(monitor.next_check_at)),
      };
      // The same slot written three times at once (a retried write, a duplicate claim): one row, one transition.
      const checker = stack.get(MonitorChecker);
      await Promise.all([checker.check(claim), checker.check(claim), checker.check(claim)]);
      expect(target.to('/retried')).toHaveLength(3);
      const checks = await checksOf(monitor.id);
      expect(checks).toHaveLength(1);
      expect(checks[0]).toMatchObject({ status: 'failed', status_code: 500 });
      expect(await get(monitor.id)).toMatchObject({ status: 'down', consecutive_failures: 1 });
      const events = await api().sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_events WHERE event_name = 'monitor.down' AND payload->>'monitor_id' = $1`,
        [monitor.id],
      );
      expect(events[0].n).toBe(1);
    });

    it('shared the checks between the two workers', async () => {
      const ownMetrics = await (await fetch(stack.workerUrl('/metrics'))).text();
      const childMetrics = await (await fetch(`http://127.0.0.1:${second.port}/metrics`)).text();
      const [own, child] = [ownMetrics, childMetrics].map((t) => checksCounted(t, ''));
      const [{ n: stored }] = await api().sql<{ n: number }>(`SELECT count(*)::int AS n FROM monitor_checks`);
      expect(own).toBeGreaterThan(0);
      expect(child).toBeGreaterThan(0);
      expect(own + child).toBe(stored);
    });

    it('checks with HEAD', async () => {
      target.respond(204, '/head');
      const { body: monitor } = await create(monitorBody('/head', { method: 'HEAD', expected_status: '204' }));
      const [check] = await waitFor('a check', async () => {
        const rows = await checksOf(monitor.id);
        return rows.length > 0 ? rows : undefined;
      });
      await api().request('PATCH', `/api/v1/monitors/${monitor.id}`, { token: admin.token, body: { enabled: false } });
      expect(check).toMatchObject({ status: 'ok', status_code: 204, error: null });
      expect(target.to('/head')[0].method).toBe('HEAD');
    });

    it('holds the address policy at check time: a private address fails with ssrf_blocked', async () => {
      const { body: monitor } = await create({
        name: 'private',
        url: 'http://10.255.255.1/health',
        interval_seconds: 1,
        timeout_ms: 500,
      });
      const [check] = await waitFor(
        'a check',
        async () => {
          const rows = await checksOf(monitor.id);
          return rows.length > 0 ? rows : undefined;
        },
        10_000,
      );
      expect(check).toMatchObject({ status: 'failed', status_code: null });
      expect(check.error).toMatch(/^ssrf_blocked: /);
      await api().request('DELETE', `/api/v1/monitors/${monitor.id}`, { token: admin.token });
      expect(await checksOf(monitor.id)).toEqual([]);
    });
  });

  it("deletes checks older than the tenant's retention in the worker's retention job", async () => {
    const { body: monitor } = await create({ name: 'old', url: 'https://example.test/old', enabled: false });
    await api().sql(`UPDATE tenants SET settings = settings || '{"retention_days": 10}' WHERE id = $1`, [tenantId]);
    await api().sql(
      `INSERT INTO monitor_checks (id, tenant_id, monitor_id, scheduled_for, checked_at, status, status_code, latency_ms)
       VALUES (gen_random_uuid(), $1, $2, now() - interval '20 days', now() - interval '20 days', 'ok', 200, 10),
              (gen_random_uuid(), $1, $2, now() - interval '5 days', now() - interval '5 days', 'ok', 200, 10)`,
      [tenantId, monitor.id],
    );
    const queue = stack.queue('maintenance');
    const job = await queue.add('retention', { kind: 'retention' });
    await waitFor(
      'the retention job',
      async () => (await job.getState()) === 'completed' || (await queue.getJob(job.id!)) === undefined,
    );
    const left = await checksOf(monitor.id);
    expect(left).toHaveLength(1);
    expect(Date.now() - left[0].checked_at.getTime()).toBeLessThan(6 * 86400_000);
    // The sweep itself, run again: nothing more to delete.
    expect((await stack.get(MonitorChecksRetention).sweepOnce()).deleted).toBe(0);
  });
});

/** conduit_monitor_checks_total of the monitor (every monitor for '') in one scrape, both results summed. */
function checksCounted(metrics: string, monitorId: string): number {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith('conduit_monitor_checks_total{') && l.includes(`monitor_id="${monitorId}`))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentile(sorted: number[], p: number): number {
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}
