// Polling ingestion's dependent tasks (per-item enrichment) against a fake SIEM on 127.0.0.1 with a list endpoint and
// a details endpoint. The runs are driven by hand (IngestionPoller.sweepOnce; the sweep timer is an hour): events
// carry the details, an escalation rule over the enrichment raises a case, a failing details call is stored as an
// error under on_error skip, fails the page under on_error fail (nothing stored, cursor kept), and items stored
// already are not enriched again (the details requests are counted); at most 8 details calls run at once.
import { IncomingMessage, ServerResponse } from 'node:http';
import { IngestionPoller } from '@conduit/cases/engine';
import { FakeSiem } from '../support/fake-siem';
import { TestStack, startTestStack } from '../support/test-stack';

interface Alert {
  id: string;
  ts: string;
  level: string;
  score: number;
}

/**
 * GET /{instance}/alerts?start&end answers { alerts } (one page, no paging: not the PagedSiem); GET
 * /{instance}/alerts/{id} answers the alert's details.
 */
class DetailsSiem extends FakeSiem<Alert> {
  /** Details requests by alert id. */
  readonly detailRequests = new Map<string, number>();
  /** Alert ids whose details answer 500. */
  readonly failing = new Set<string>();
  /** Details answers wait this long; inFlight / maxInFlight count the details requests at once. */
  detailDelayMs = 0;
  inFlight = 0;
  maxInFlight = 0;

  protected async handle(_req: IncomingMessage, res: ServerResponse, url: URL, instance: string): Promise<void> {
    const [, , , id] = url.pathname.split('/');
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (id !== undefined) {
      this.detailRequests.set(id, (this.detailRequests.get(id) ?? 0) + 1);
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((r) => setTimeout(r, this.detailDelayMs));
      this.inFlight -= 1;
      const alert = (this.alerts.get(instance) ?? []).find((a) => a.id === id);
      if (!alert) return json(404, { error: 'no such alert' });
      if (this.failing.has(id)) return json(500, { error: 'details unavailable' });
      return json(200, { id, score: alert.score, verdict: alert.score >= 80 ? 'malicious' : 'benign' });
    }
    const start = Date.parse(url.searchParams.get('start') ?? '');
    const end = Date.parse(url.searchParams.get('end') ?? '');
    const items = (this.alerts.get(instance) ?? [])
      .filter((a) => Date.parse(a.ts) >= start && Date.parse(a.ts) < end)
      .map(({ score: _, ...a }) => a); // the list carries no score: only the details do
    return json(200, { alerts: items });
  }
}

const ENV = { CASE_INGESTION_SWEEP_INTERVAL_MS: '3600000', CASE_INGESTION_LEASE_SECONDS: '30' };

// The skip task reads the alert id by JSONPath, the fail task by CEL: both selector kinds run.
const ingestionTask = (tag: string, onError: 'skip' | 'fail') => ({
  name: `Pull alerts (${onError})`,
  task_tag: tag,
  request: { method: 'GET', path: '/alerts', query: { start: '{{input.start}}', end: '{{input.end}}' } },
  input_fields: [
    { name: 'start', label: 'start', type: 'text' },
    { name: 'end', label: 'end', type: 'text' },
    { name: 'page_size', label: 'page size', type: 'number' },
  ],
  output_fields: [{ name: 'alerts', path: '$.alerts', type: 'any', is_array: true }],
  error_handling: { retries: 0, backoff: 'none', backoff_ms: 0, timeout_ms: 5_000 },
  ingest_cases: true,
  case_ingestion_config: {
    dependent_tasks: [
      { task_tag: 'alert_details', input: { alert_id: onError === 'skip' ? '$.id' : 'item.id' }, on_error: onError },
    ],
  },
});

const SETTINGS = {
  interval_seconds: 3600,
  first_fetch: 3600,
  page_size: 100,
  items_path: '$.alerts',
  field_mapping: { external_id: '$.id', title: '$.id', severity: '$.level', occurred_at: '$.ts', case_key: '$.id' },
  escalation_rules: [{ name: 'scored', when: 'event.enrichment.alert_details.score >= 80', severity: 'critical' }],
};

describe('polling ingestion: dependent tasks (enrichment)', () => {
  let stack: TestStack;
  let siem: DetailsSiem;
  let admin: { token: string };
  let integrationId: string;

  beforeAll(async () => {
    stack = await startTestStack({ config: ENV });
    siem = await new DetailsSiem().start();
    await stack.api.seedTenant('acme');
    admin = await stack.api.seedUser('acme', 'tenant_admin');
    const integration = await stack.api.request('POST', '/api/v1/integrations', {
      token: admin.token,
      body: { title: 'SIEM' },
    });
    integrationId = integration.body.id;
    const task = (body: Record<string, unknown>) =>
      stack.api.request('POST', `/api/v1/integrations/${integrationId}/tasks`, { token: admin.token, body });
    const details = await task({
      name: 'Alert details',
      task_tag: 'alert_details',
      request: { method: 'GET', path: '/alerts/{{input.alert_id}}' },
      input_fields: [{ name: 'alert_id', label: 'alert', type: 'text', required: true }],
      output_fields: [
        { name: 'score', path: '$.score', type: 'number' },
        { name: 'verdict', path: '$.verdict', type: 'string' },
      ],
      error_handling: { retries: 0, backoff: 'none', backoff_ms: 0, timeout_ms: 5_000 },
    });
    expect(details.status, details.text).toBe(201);
    for (const body of [ingestionTask('pull_alerts', 'skip'), ingestionTask('pull_alerts_strict', 'fail')]) {
      const res = await task(body);
      expect(res.status, res.text).toBe(201);
    }
  });
  afterAll(async () => {
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
  const runNow = async (id: string) => {
    await stack.api.sql(`UPDATE instance_ingestion SET next_run_at = now() WHERE instance_uuid = $1`, [id]);
    await stack.get(IngestionPoller).sweepOnce();
  };
  const state = async (id: string) =>
    (
      await stack.api.sql<{ cursor: string | null; last_run: Record<string, any> }>(
        `SELECT cursor::text AS cursor, last_run FROM instance_ingestion WHERE instance_uuid = $1`,
        [id],
      )
    )[0];
  const events = (id: string) =>
    stack.api.sql<{ external_id: string; enrichment: Record<string, any> | null; case_id: string }>(
      `SELECT external_id, enrichment, case_id FROM case_events WHERE instance_uuid = $1 ORDER BY external_id`,
      [id],
    );
  const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();

  it('stores the details with each new event, escalates on them, keeps a failed call as an error (skip), and never enriches a stored item again', async () => {
    const { id, number } = await instance('skip');
    siem.add('skip', { id: 's1', ts: ago(300), level: 'low', score: 92 });
    siem.add('skip', { id: 's2', ts: ago(200), level: 'low', score: 10 });
    siem.add('skip', { id: 's3', ts: ago(100), level: 'low', score: 95 });
    siem.failing.add('s3');
    const put = await stack.api.request('PUT', `/api/v1/instances/${id}/ingestion`, {
      token: admin.token,
      body: { ...SETTINGS, task_tag: 'pull_alerts' },
    });
    expect(put.status, put.text).toBe(200);
    await runNow(id);

    const run = (await state(id)).last_run;
    expect(run).toMatchObject({ error: null, stored: 3, enriched: 2, enrichment_failed: 1, window_done: true });
    const stored = await events(id);
    expect(stored.map((e) => [e.external_id, e.enrichment])).toEqual([
      ['s1', { alert_details: { score: 92, verdict: 'malicious' } }],
      ['s2', { alert_details: { score: 10, verdict: 'benign' } }],
      ['s3', { alert_details: { error: { code: 'http_error', message: expect.stringContaining('500') } } }],
    ]);

    // The rule over event.enrichment raised s1's case only (s3's details failed: the rule does not hold).
    const cases = await stack.api.sql<{ case_key: string; severity: string; case_id: number; id: string }>(
      `SELECT id, case_key, severity, case_id FROM cases WHERE instance_uuid = $1 ORDER BY case_key`,
      [id],
    );
    expect(cases.map((c) => [c.case_key, c.severity])).toEqual([
      ['s1', 'critical'],
      ['s2', 'low'],
      ['s3', 'low'],
    ]);

    // On the API: the events list and the case panel, and in case.event_added.
    const list = await stack.api.request('GET', `/api/v1/cases/${cases[0].id}/events`, { token: admin.token });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data[0].enrichment).toEqual({ alert_details: { score: 92, verdict: 'malicious' } });
    const panel = await stack.api.request('GET', `/casepanel/v1/events/acme/${number}/${cases[2].case_id}/0/10`, {
      token: admin.token,
    });
    expect(panel.status, panel.text).toBe(200);
    expect(panel.body.data[0].enrichment.alert_details.error.code).toBe('http_error');
    const added = await stack.api.sql<{ payload: Record<string, any> }>(
      `SELECT payload FROM webhook_events WHERE event_name = 'case.event_added' AND payload->'case'->>'id' = $1`,
      [cases[0].id],
    );
    expect(added.map((a) => a.payload.event.enrichment)).toEqual([
      { alert_details: { score: 92, verdict: 'malicious' } },
    ]);
    const escalated = await stack.api.sql(
      `SELECT 1 FROM webhook_events WHERE event_name = 'case.escalated' AND payload->>'id' = $1`,
      [cases[0].id],
    );
    expect(escalated).toHaveLength(1);

    // The window read again from before the stored items, with one new item: only the new one is enriched.
    expect([...siem.detailRequests.entries()].sort()).toEqual([
      ['s1', 1],
      ['s2', 1],
      ['s3', 1],
    ]);
    siem.add('skip', { id: 's4', ts: ago(50), level: 'low', score: 1 });
    const reset = await stack.api.request('PUT', `/api/v1/instances/${id}/ingestion/cursor`, {
      token: admin.token,
      body: { cursor: ago(3000) },
    });
    expect(reset.status, reset.text).toBe(200);
    await runNow(id);
    expect((await state(id)).last_run).toMatchObject({
      error: null,
      stored: 1,
      duplicates: 3,
      enriched: 1,
      enrichment_failed: 0,
    });
    expect([...siem.detailRequests.entries()].sort()).toEqual([
      ['s1', 1],
      ['s2', 1],
      ['s3', 1],
      ['s4', 1],
    ]);
    expect((await events(id)).find((e) => e.external_id === 's4')?.enrichment).toEqual({
      alert_details: { score: 1, verdict: 'benign' },
    });
  });

  it('with on_error fail, a failed details call fails the page: nothing stored, the cursor kept; the next run stores it', async () => {
    const { id } = await instance('strict');
    siem.add('strict', { id: 'f1', ts: ago(300), level: 'high', score: 50 });
    siem.add('strict', { id: 'f2', ts: ago(200), level: 'high', score: 60 });
    siem.failing.add('f2');
    const put = await stack.api.request('PUT', `/api/v1/instances/${id}/ingestion`, {
      token: admin.token,
      body: { ...SETTINGS, task_tag: 'pull_alerts_strict' },
    });
    expect(put.status, put.text).toBe(200);
    await runNow(id);

    const failed = await state(id);
    expect(failed.last_run).toMatchObject({
      error: { code: 'enrichment_failed' },
      stored: 0,
      enrichment_failed: 1,
      window_done: false,
    });
    expect(failed.last_run.error.message).toContain('alert_details');
    expect(failed.cursor).toBeNull();
    expect(await events(id)).toEqual([]);
    expect(await stack.api.sql(`SELECT 1 FROM cases WHERE instance_uuid = $1`, [id])).toEqual([]);
    const run = await stack.api.request('GET', `/api/v1/task-runs/${failed.last_run.task_run_id}`, {
      token: admin.token,
    });
    expect(run.body).toMatchObject({ source: 'ingestion', status: 'failure', error: { code: 'enrichment_failed' } });

    siem.failing.delete('f2');
    await runNow(id);
    const done = await state(id);
    expect(done.last_run).toMatchObject({ error: null, stored: 2, enriched: 2, enrichment_failed: 0 });
    expect(done.cursor).not.toBeNull();
    expect((await events(id)).map((e) => [e.external_id, e.enrichment?.alert_details?.score])).toEqual([
      ['f1', 50],
      ['f2', 60],
    ]);
  });

  it('runs at most 8 details calls at once for a page', async () => {
    const { id } = await instance('many');
    for (let i = 0; i < 30; i++) siem.add('many', { id: `m${i}`, ts: ago(600 - i), level: 'low', score: i });
    siem.detailDelayMs = 60;
    siem.maxInFlight = 0;
    const put = await stack.api.request('PUT', `/api/v1/instances/${id}/ingestion`, {
      token: admin.token,
      body: { ...SETTINGS, task_tag: 'pull_alerts' },
    });
    expect(put.status, put.text).toBe(200);
    await runNow(id);
    siem.detailDelayMs = 0;
    expect((await state(id)).last_run).toMatchObject({ error: null, stored: 30, enriched: 30 });
    // 8 at once (a loaded machine may start them a little apart, so a few fewer may overlap), never more.
    expect(siem.maxInFlight).toBeLessThanOrEqual(8);
    expect(siem.maxInFlight).toBeGreaterThanOrEqual(4);
  });

  it('an ingestion task without dependent tasks stores events without enrichment', async () => {
    const plain = await stack.api.request('POST', `/api/v1/integrations/${integrationId}/tasks`, {
      token: admin.token,
      body: { ...ingestionTask('pull_plain', 'skip'), case_ingestion_config: {} },
    });
    expect(plain.status, plain.text).toBe(201);
    const { id } = await instance('plain');
    siem.add('plain', { id: 'p1', ts: ago(100), level: 'low', score: 99 });
    const before = siem.detailRequests.get('p1') ?? 0;
    const put = await stack.api.request('PUT', `/api/v1/instances/${id}/ingestion`, {
      token: admin.token,
      body: { ...SETTINGS, task_tag: 'pull_plain' },
    });
    expect(put.status, put.text).toBe(200);
    await runNow(id);
    expect((await state(id)).last_run).toMatchObject({ error: null, stored: 1, enriched: 0, enrichment_failed: 0 });
    expect(await events(id)).toEqual([expect.objectContaining({ external_id: 'p1', enrichment: null })]);
    expect(siem.detailRequests.get('p1') ?? 0).toBe(before);
  });

  it('refuses removing an input field of a dependent task that an ingestion task fills (input_in_use)', async () => {
    const tasks = await stack.api.request('GET', `/api/v1/integrations/${integrationId}/tasks`, { token: admin.token });
    const details = (tasks.body.data as { id: string; task_tag: string }[]).find(
      (t) => t.task_tag === 'alert_details',
    )!;
    const res = await stack.api.request('PATCH', `/api/v1/integrations/${integrationId}/tasks/${details.id}`, {
      token: admin.token,
      body: {
        request: { method: 'GET', path: '/alerts/latest' },
        input_fields: [{ name: 'limit', label: 'limit', type: 'number' }],
      },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'input_fields', code: 'input_in_use' })]),
    );
    const [row] = await stack.api.sql<{ names: string[] }>(
      `SELECT array(SELECT f->>'name' FROM jsonb_array_elements(input_fields) f) AS names FROM tasks WHERE id = $1`,
      [details.id],
    );
    expect(row.names).toEqual(['alert_id']);
  });
});
