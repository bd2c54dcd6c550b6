// Polling ingestion (issue 19 points 1-6) against a fake SIEM on 127.0.0.1 (test/support/fake-siem.ts) that pages with
// a token, repeats an item across pages, serves late items inside the lookback, fails page 3 of a run with a 500 (past
// the task's retries), and is slow. After the runs every item it served is stored once (0 lost, 0 duplicates); after
// the failed run the cursor has not passed an unstored item; two workers (in-process and a child process) never ask for
// one instance's pages at once; a worker SIGKILLed mid-run loses nothing. Also: the settings' 400s (nothing written),
// the start-time seed path, the cursor reset, and task deletion refused while ingestion is on.
import { PagedSiem } from '../support/fake-siem';
import { TestStack, WorkerProcess, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';

const ENV = { CASE_INGESTION_SWEEP_INTERVAL_MS: '200', CASE_INGESTION_LEASE_SECONDS: '3' };

const SETTINGS = {
  task_tag: 'pull_alerts',
  interval_seconds: 1,
  first_fetch: 3600,
  lookback_seconds: 120,
  settle_seconds: 0,
  page_size: 5,
  max_items_per_run: 1000,
  items_path: '$.alerts',
  pagination: { type: 'token', next_path: '$.next', param: 'page_token' },
  field_mapping: { external_id: '$.id', title: '$.host', severity: '$.level', occurred_at: '$.ts', case_key: '$.host' },
  correlation_window_seconds: 3600,
};

describe('polling ingestion', () => {
  let stack: TestStack;
  let siem: PagedSiem;
  let admin: { token: string };
  let analyst: { token: string };
  let integrationId: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ worker: false, config: ENV });
    siem = await new PagedSiem({ repeatAcrossPages: true }).start();
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    analyst = await stack.api.seedUser('acme', 'analyst');
    const integration = await stack.api.request('POST', '/api/v1/integrations', {
      token: admin.token,
      body: { title: 'SIEM' },
    });
    integrationId = integration.body.id;
    const task = await stack.api.request('POST', `/api/v1/integrations/${integrationId}/tasks`, {
      token: admin.token,
      body: {
        name: 'Pull alerts',
        task_tag: 'pull_alerts',
        request: {
          method: 'GET',
          path: '/alerts',
          query: {
            start: '{{input.start}}',
            end: '{{input.end}}',
            page_size: '{{input.page_size}}',
            page_token: '{{input.page_token}}',
          },
        },
        input_fields: [
          { name: 'start', label: 'start', type: 'text' },
          { name: 'end', label: 'end', type: 'text' },
          { name: 'page_size', label: 'page size', type: 'number' },
          { name: 'page_token', label: 'page token', type: 'text' },
        ],
        output_fields: [{ name: 'alerts', path: '$.alerts', type: 'any', is_array: true }],
        error_handling: { retries: 1, backoff: 'none', backoff_ms: 0, timeout_ms: 10_000 },
        ingest_cases: true,
        case_ingestion_config: {},
      },
    });
    expect(task.status, task.text).toBe(201);
    const plain = await stack.api.request('POST', `/api/v1/integrations/${integrationId}/tasks`, {
      token: admin.token,
      body: { name: 'Ping', task_tag: 'ping', request: { method: 'GET', path: '/ping' } },
    });
    expect(plain.status, plain.text).toBe(201);
  });
  afterAll(async () => {
    for (const w of workers) w.process.kill('SIGKILL');
    await stack?.stopWorker();
    await siem?.close();
    await stack?.close();
  });

  async function instance(title: string): Promise<{ id: string; number: number }> {
    const res = await stack.api.request('POST', '/api/v1/instances', {
      token: admin.token,
      body: { integration_uuid: integrationId, title, base_url: siem.url(title) },
    });
    expect(res.status, res.text).toBe(201);
    return { id: res.body.id, number: res.body.instance_id };
  }
  const put = (id: string, body: Record<string, unknown>, token = admin.token) =>
    stack.api.request('PUT', `/api/v1/instances/${id}/ingestion`, { token, body });
  const state = async (id: string) =>
    (
      await stack.api.sql<{ cursor: string | null; resume: unknown; last_run: Record<string, any> | null }>(
        `SELECT cursor::text AS cursor, resume, last_run FROM instance_ingestion WHERE instance_uuid = $1`,
        [id],
      )
    )[0];
  const stored = async (id: string) =>
    (
      await stack.api.sql<{ external_id: string; n: number }>(
        `SELECT external_id, count(*)::int AS n FROM case_events WHERE instance_uuid = $1 GROUP BY external_id`,
        [id],
      )
    ).map((r) => r.external_id);
  const duplicateRows = async (id: string) =>
    Number(
      (
        await stack.api.sql<{ n: string }>(
          `SELECT count(*) - count(DISTINCT external_id) AS n FROM case_events WHERE instance_uuid = $1`,
          [id],
        )
      )[0].n,
    );
  const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
  function seed(inst: string, n: number, from: number, secondsBack: number): void {
    for (let i = 0; i < n; i++)
      siem.add(inst, {
        id: `${inst}-${from + i}`,
        ts: ago(secondsBack - i * (secondsBack / (n + 1))),
        host: `host-${(from + i) % 4}`,
        level: 'high',
      });
  }
  async function allStored(inst: string, id: string, timeout = 40_000): Promise<void> {
    await waitFor(
      `every served item of ${inst} stored`,
      async () => {
        // One run per instance at a time, whatever the number of workers: checked while waiting, too.
        expect(siem.maxInFlight.get(inst) ?? 0, `concurrent requests for ${inst}`).toBeLessThanOrEqual(1);
        const got = new Set(await stored(id));
        const served = siem.servedOf(inst);
        const all = siem.alerts.get(inst) ?? [];
        return all.every((a) => served.has(a.id) && got.has(a.id));
      },
      timeout,
    );
  }

  it('refuses bad settings with 400 and writes nothing; analysts may read, not write', async () => {
    const { id } = await instance('bad');
    const bad = await put(id, { ...SETTINGS, page_size: 0, filter: 'item.(', pagination: { type: 'token' } });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.body.error.code).toBe('invalid_ingestion_config');
    const fields = (bad.body.error.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['page_size', 'filter', 'pagination.next_path']));
    const wrongTask = await put(id, { ...SETTINGS, task_tag: 'ping' });
    expect(wrongTask.status).toBe(400);
    expect(wrongTask.body.error.code).toBe('invalid_ingestion_task');
    const noTask = await put(id, { ...SETTINGS, task_tag: 'nope' });
    expect(noTask.body.error.code).toBe('invalid_ingestion_task');
    const noMapping = await put(id, { ...SETTINGS, field_mapping: { title: '$.x' } });
    expect(noMapping.status).toBe(400);
    expect(await stack.api.sql(`SELECT 1 FROM instance_ingestion WHERE instance_uuid = $1`, [id])).toHaveLength(0);
    expect((await put(id, SETTINGS, analyst.token)).status).toBe(403);
    expect((await stack.api.request('GET', `/api/v1/instances/${id}/ingestion`, { token: analyst.token })).status).toBe(
      404,
    );
  });

  it(
    'a worker SIGKILLed mid-run loses nothing: another takes over once the lease expires',
    // Generous waits: each returns as soon as its condition holds, and a spawned worker on a loaded 2-core machine
    // (npm test's parallel suites) can take tens of seconds to start its first run.
    { timeout: 180_000 },
    async () => {
      const { id } = await instance('kill');
      seed('kill', 12, 0, 600);
      siem.delayMs = 1500;
      const first = await stack.startWorkerProcess(ENV);
      workers.push(first);
      await first.healthy();
      expect((await put(id, SETTINGS)).status).toBe(200);
      await waitFor('a page stored by the first worker', async () => (await stored(id)).length > 0, 60_000);
      await waitFor('the first worker asks for a later page', async () => (siem.inFlight.get('kill') ?? 0) > 0, 20_000);
      // The run shows as a running task run while it goes on.
      const running = await stack.api.sql<{ id: string }>(
        `SELECT id FROM task_runs WHERE instance_uuid = $1 AND source = 'ingestion' AND status = 'running'`,
        [id],
      );
      expect(running).toHaveLength(1);
      first.process.kill('SIGKILL');
      await first.exited(10_000);
      const partial = await state(id);
      expect(partial.cursor).toBeNull(); // the window was not done: the cursor did not move
      siem.delayMs = 0;
      await stack.startWorker();
      await allStored('kill', id);
      await waitFor('the window done', async () => (await state(id)).last_run?.window_done === true, 40_000);
      expect(await duplicateRows(id)).toBe(0);
      expect(new Set(await stored(id))).toEqual(siem.servedOf('kill'));
      expect(siem.maxInFlight.get('kill')).toBe(1);
      // The killed run is kept as a task run, recorded lost by the run that took over (never queued as a task job).
      const killed = await stack.api.request('GET', `/api/v1/task-runs/${running[0].id}`, { token: admin.token });
      expect(killed.body).toMatchObject({ source: 'ingestion', status: 'failure', error: { code: 'worker_lost' } });
    },
  );

  it(
    'stores every served item once across pages, repeats, late items, a failed page 3 and two workers',
    { timeout: 150_000 },
    async () => {
      if (!stack.worker) await stack.startWorker();
      const second = await stack.startWorkerProcess(ENV);
      workers.push(second);
      await second.healthy();
      const { id, number } = await instance('main');
      seed('main', 23, 0, 1800);
      siem.failPage = 3;
      siem.delayMs = 150;
      expect((await put(id, SETTINGS)).status).toBe(200);
      await waitFor(
        'page 3 failed past the retries',
        async () => {
          expect(siem.maxInFlight.get('main') ?? 0, 'concurrent requests for main').toBeLessThanOrEqual(1);
          return (await state(id)).last_run?.error != null;
        },
        30_000,
      );
      const failedRun = (await state(id)).last_run!;
      expect(failedRun).toMatchObject({ pages: 2, window_done: false, error: { code: 'page_failure' } });
      expect(siem.failures).toBeGreaterThanOrEqual(2); // the task's retry was asked too
      // The cursor has not passed an unstored item.
      const after = await state(id);
      const got = new Set(await stored(id));
      const unstored = (siem.alerts.get('main') ?? []).filter((a) => !got.has(a.id)).map((a) => Date.parse(a.ts));
      expect(unstored.length).toBeGreaterThan(0);
      if (after.cursor !== null) expect(Date.parse(after.cursor)).toBeLessThanOrEqual(Math.min(...unstored));
      // The failed run is a task run with source ingestion.
      const run = await stack.api.request('GET', `/api/v1/task-runs/${failedRun.task_run_id}`, { token: admin.token });
      expect(run.body).toMatchObject({ source: 'ingestion', status: 'failure', task_tag: 'pull_alerts' });
      expect(run.body.outputs).toMatchObject({ pages: 2, items_fetched: 11 });

      siem.failPage = undefined;
      await allStored('main', id);
      await waitFor('the window done', async () => (await state(id)).last_run?.window_done === true, 40_000);
      // Late items: they occurred before the cursor, inside the lookback, and show up only now.
      const cursor = Date.parse((await state(id)).cursor!);
      for (let i = 0; i < 4; i++)
        siem.add('main', {
          id: `main-late-${i}`,
          ts: new Date(cursor - 30_000 + i * 1000).toISOString(),
          host: 'late',
          level: 'low',
        });
      seed('main', 6, 100, 5);
      await allStored('main', id);

      // max_items_per_run stops a run mid-window; the next one resumes from the stored point.
      expect((await put(id, { ...SETTINGS, max_items_per_run: 6 })).status).toBe(200);
      seed('main', 20, 200, 3);
      await allStored('main', id);
      const resumed = await stack.api.sql<{ n: string }>(
        `SELECT count(*) AS n FROM task_runs WHERE instance_uuid = $1 AND source = 'ingestion'
            AND outputs->'resume' IS NOT NULL AND outputs->>'resume' <> 'null'`,
        [id],
      );
      expect(Number(resumed[0].n)).toBeGreaterThan(0);

      expect(await duplicateRows(id)).toBe(0);
      expect(new Set(await stored(id))).toEqual(siem.servedOf('main'));
      expect(siem.maxInFlight.get('main')).toBe(1);

      // The seed start-time path and the API's view.
      const start = await stack.api.request('GET', `/apps/v1/case-ingestion-start-time/acme/${number}`, {
        token: analyst.token,
      });
      expect(start.status, start.text).toBe(200);
      expect(start.body).toMatchObject({ instance_id: number, enabled: true });
      expect(Date.parse(start.body.next_window_start)).toBeLessThanOrEqual(Date.now());
      expect(start.body.last_run).toMatchObject({ error: null });
      expect(typeof start.body.next_run_at).toBe('string');
      expect(
        (await stack.api.request('GET', `/apps/v1/case-ingestion-start-time/acme/99999`, { token: admin.token }))
          .status,
      ).toBe(404);

      // The cursor reset: admins only, audited; the next run reads from there and stores nothing twice.
      const at = ago(3600);
      expect(
        (
          await stack.api.request('PUT', `/api/v1/instances/${id}/ingestion/cursor`, {
            token: analyst.token,
            body: { cursor: at },
          })
        ).status,
      ).toBe(403);
      const bad = await stack.api.request('PUT', `/api/v1/instances/${id}/ingestion/cursor`, {
        token: admin.token,
        body: { cursor: 'yesterday' },
      });
      expect(bad.status).toBe(400);
      const before = siem.requests.get('main') ?? 0;
      const reset = await stack.api.request('PUT', `/api/v1/instances/${id}/ingestion/cursor`, {
        token: admin.token,
        body: { cursor: at },
      });
      expect(reset.status, reset.text).toBe(200);
      expect(Date.parse(reset.body.cursor)).toBe(Date.parse(at));
      await waitFor('a run after the reset', async () => (siem.requests.get('main') ?? 0) > before + 2, 20_000);
      await waitFor('the reset window done', async () => (await state(id)).last_run?.window_done === true, 20_000);
      expect(await duplicateRows(id)).toBe(0);
      const audit = await stack.api.sql(`SELECT 1 FROM audit_events WHERE action = 'instance.ingestion.cursor'`);
      expect(audit.length).toBeGreaterThan(0);

      // The task and its integration cannot be deleted while ingestion is on.
      const tasks = await stack.api.request('GET', `/api/v1/integrations/${integrationId}/tasks`, {
        token: admin.token,
      });
      const taskId = (tasks.body.data as { id: string; task_tag: string }[]).find(
        (t) => t.task_tag === 'pull_alerts',
      )!.id;
      const del = await stack.api.request('DELETE', `/api/v1/integrations/${integrationId}/tasks/${taskId}`, {
        token: admin.token,
      });
      expect(del.status, del.text).toBe(409);
      expect(del.body.error.code).toBe('task_has_dependents');
      expect(JSON.stringify(del.body.error)).toContain('case_ingestion');
      const delIntegration = await stack.api.request('DELETE', `/api/v1/integrations/${integrationId}`, {
        token: admin.token,
      });
      expect(delIntegration.status, delIntegration.text).toBe(409);
      expect(delIntegration.body.error.code).toBe('integration_has_dependents');
      const got2 = await stack.api.request('GET', `/api/v1/instances/${id}/ingestion`, { token: analyst.token });
      expect(got2.status).toBe(200);
      expect(got2.body).toMatchObject({ task_tag: 'pull_alerts', enabled: true });
    },
  );

  it(
    'a cancelled run stops before its next page: nothing more stored, the cursor kept; the next run stores the rest once',
    { timeout: 60_000 },
    async () => {
      if (!stack.worker) await stack.startWorker();
      const { id } = await instance('cancel');
      seed('cancel', 20, 0, 900);
      siem.delayMs = 800;
      expect((await put(id, { ...SETTINGS, interval_seconds: 3600 })).status).toBe(200);
      await waitFor('the first page stored', async () => (await stored(id)).length > 0, 20_000);
      const [running] = await stack.api.sql<{ id: string }>(
        `SELECT id FROM task_runs WHERE instance_uuid = $1 AND source = 'ingestion' AND status = 'running'`,
        [id],
      );
      const cancel = await stack.api.request('POST', `/api/v1/task-runs/${running.id}/cancel`, {
        token: admin.token,
        body: {},
      });
      expect(cancel.status, cancel.text).toBe(200);
      await waitFor('the run stopped', async () => (await state(id)).last_run?.error?.code === 'cancelled', 20_000);
      const asked = siem.requests.get('cancel') ?? 0;
      const kept = await stored(id);
      await new Promise((r) => setTimeout(r, 2000));
      expect(siem.requests.get('cancel') ?? 0).toBe(asked); // no page asked after it stopped
      expect(kept.length).toBeLessThan(20);
      expect(await stored(id)).toHaveLength(kept.length);
      expect((await state(id)).cursor).toBeNull(); // the window was not done
      const run = await stack.api.request('GET', `/api/v1/task-runs/${running.id}`, { token: admin.token });
      expect(run.body).toMatchObject({ source: 'ingestion', status: 'cancelled', error: { code: 'cancelled' } });
      expect(run.body.outputs.pages).toBeGreaterThanOrEqual(1);
      expect(run.body.outputs.window_done).toBe(false);

      // The next run reads the window again: every item stored once.
      siem.delayMs = 0;
      await stack.api.sql(`UPDATE instance_ingestion SET next_run_at = now() WHERE instance_uuid = $1`, [id]);
      await allStored('cancel', id);
      expect(await duplicateRows(id)).toBe(0);

      // Switched off mid-run: the run is cancelled (not left running), and its worker's record keeps the reason.
      await waitFor('the window done', async () => (await state(id)).last_run?.window_done === true, 40_000);
      siem.delayMs = 800;
      await stack.api.sql(`UPDATE instance_ingestion SET cursor = NULL, next_run_at = now() WHERE instance_uuid = $1`, [
        id,
      ]);
      const again = await waitFor('a second run', async () => {
        const rows = await stack.api.sql<{ id: string }>(
          `SELECT id FROM task_runs WHERE instance_uuid = $1 AND source = 'ingestion' AND status = 'running'`,
          [id],
        );
        return rows[0]?.id;
      });
      const off = await stack.api.request('DELETE', `/api/v1/instances/${id}/ingestion`, { token: admin.token });
      expect(off.status).toBe(204);
      await new Promise((r) => setTimeout(r, 2500)); // the worker reaches its next page and stops
      const stopped = await stack.api.request('GET', `/api/v1/task-runs/${again}`, { token: admin.token });
      expect(stopped.body).toMatchObject({ status: 'cancelled', error: { code: 'ingestion_switched_off' } });
      const stillRunning = await stack.api.sql(
        `SELECT 1 FROM task_runs WHERE instance_uuid = $1 AND source = 'ingestion' AND status = 'running'`,
        [id],
      );
      expect(stillRunning).toHaveLength(0);
      expect(await duplicateRows(id)).toBe(0);
      siem.delayMs = 0;
    },
  );

  it('follows page-number pagination; switched off, the task is no longer used', { timeout: 60_000 }, async () => {
    if (!stack.worker) await stack.startWorker();
    siem.delayMs = 0;
    const { id } = await instance('paged');
    seed('paged', 17, 0, 900);
    const res = await put(id, { ...SETTINGS, pagination: { type: 'page', param: 'page_token' }, max_items_per_run: 8 });
    expect(res.status, res.text).toBe(200);
    expect(res.body.config).toMatchObject({ pagination: { type: 'page', param: 'page_token' }, page_size: 5 });
    await allStored('paged', id);
    await waitFor('the window done', async () => (await state(id)).last_run?.window_done === true, 40_000);
    expect(await duplicateRows(id)).toBe(0);
    expect(new Set(await stored(id))).toEqual(siem.servedOf('paged'));
    const resumed = await stack.api.sql(
      `SELECT outputs->'resume'->>'page' AS page FROM task_runs
        WHERE instance_uuid = $1 AND source = 'ingestion' AND jsonb_typeof(outputs->'resume') = 'object'`,
      [id],
    );
    expect(resumed.length).toBeGreaterThan(0);

    // Off (DELETE) for every instance on the task: the task may go.
    for (const other of await stack.api.sql<{ instance_uuid: string }>(
      `SELECT instance_uuid FROM instance_ingestion`,
    )) {
      const off = await stack.api.request('DELETE', `/api/v1/instances/${other.instance_uuid}/ingestion`, {
        token: admin.token,
      });
      expect(off.status).toBe(204);
    }
    expect((await stack.api.request('GET', `/api/v1/instances/${id}/ingestion`, { token: admin.token })).status).toBe(
      404,
    );
    const tasks = await stack.api.request('GET', `/api/v1/integrations/${integrationId}/tasks`, { token: admin.token });
    const taskId = (tasks.body.data as { id: string; task_tag: string }[]).find(
      (t) => t.task_tag === 'pull_alerts',
    )!.id;
    const del = await stack.api.request('DELETE', `/api/v1/integrations/${integrationId}/tasks/${taskId}`, {
      token: admin.token,
    });
    expect(del.status, del.text).toBe(204);
  });
});
