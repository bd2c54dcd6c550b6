// Push ingestion (issue 19 point 6): an inbound source with a case_mapping turns the items of verified requests into
// case events and cases through CaseIngest, in the routing transaction, while the requests are still stored as
// received and routed as before. The mapping is checked when saved (400 invalid_case_mapping, nothing written).
import { Webhook } from 'standardwebhooks';
import { TestStack, startTestStack } from '../support/test-stack';
import { waitFor } from '../support/test-worker';

describe('cases from pushes', () => {
  let stack: TestStack;
  let token: string;
  let messages = 0;

  beforeAll(async () => {
    stack = await startTestStack();
    await stack.api.seedTenant('acme');
    token = (await stack.api.seedUser('acme', 'tenant_admin')).token;
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const api = () => stack.api;
  const caseMapping = {
    field_mapping: { external_id: '$.alert_id', title: '$.name', severity: '$.prio', case_key: '$.host' },
    severity_map: { p1: 'critical', p3: 'low' },
    filter: 'item.prio != "p5"',
    correlation_window_seconds: 3600,
  };
  const createSource = (body: Record<string, unknown>) => api().request('POST', '/api/v1/sources', { token, body });
  /** A Standard Webhooks signed push with a fresh message id (a new delivery each time). */
  const push = (source: { ingest_url: string; secret: string }, body: unknown) => {
    const payload = JSON.stringify(body);
    const id = `msg_${++messages}`;
    const now = new Date();
    return api().request('POST', new URL(source.ingest_url).pathname, {
      rawBody: payload,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(source.secret).sign(id, now, payload),
      },
    });
  };
  const count = async (sql: string, params: unknown[] = []) =>
    (await api().sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n;
  const routed = (sourceId: string, n: number) =>
    waitFor(
      `${n} routed requests`,
      async () => (await count(`inbound_events WHERE source_id = $1 AND status = 'routed'`, [sourceId])) >= n,
      20_000,
    );

  it('refuses a bad case_mapping at create and update with each field named, writing nothing', async () => {
    const before = await count('inbound_sources');
    const bad = await createSource({
      name: 'bad-siem',
      provider: 'standard_webhooks',
      case_mapping: { field_mapping: { title: '$.a[' }, filter: 'item.(', escalation_rules: 'no' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_case_mapping');
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'case_mapping.field_mapping.external_id',
      'case_mapping.field_mapping.title',
      'case_mapping.filter',
      'case_mapping.escalation_rules',
    ]);
    expect((await createSource({ name: 'x', provider: 'standard_webhooks', case_mapping: [1] })).status).toBe(400);
    expect(await count('inbound_sources')).toBe(before);

    const ok = await createSource({ name: 'siem-upd', provider: 'standard_webhooks', case_mapping: caseMapping });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.case_mapping).toEqual(caseMapping);
    const patch = (case_mapping: unknown) =>
      api().request('PATCH', `/api/v1/sources/${ok.body.id}`, { token, body: { case_mapping } });
    const refused = await patch({ field_mapping: { external_id: 'item.' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].field).toBe('case_mapping.field_mapping.external_id');
    expect((await api().request('GET', `/api/v1/sources/${ok.body.id}`, { token })).body.case_mapping).toEqual(
      caseMapping,
    );
    expect((await patch(null)).body.case_mapping).toBeNull();
  });

  it('turns pushed alerts into cases; the same alert pushed twice is one event; the requests are still stored', async () => {
    const { body: source } = await createSource({
      name: 'siem',
      provider: 'standard_webhooks',
      case_mapping: caseMapping,
    });
    const alerts = [
      { alert_id: 'A-1', name: 'Ransomware note', prio: 'p1', host: 'fs1' },
      { alert_id: 'A-2', name: 'Ransomware note', prio: 'p1', host: 'fs1' },
      { alert_id: 'A-3', name: 'Odd login', prio: 'p3', host: 'vpn' },
      { alert_id: 'A-4', name: 'Chatter', prio: 'p5', host: 'vpn' },
    ];
    expect((await push(source, alerts)).status).toBe(200);
    // One alert alone (not in an array), pushed twice as two deliveries.
    expect((await push(source, alerts[2])).status).toBe(200);
    expect((await push(source, { alert_id: 'A-5', name: 'Ransomware note', prio: 'p1', host: 'fs1' })).status).toBe(
      200,
    );
    await routed(source.id, 3);

    const events = await api().sql<{ external_id: string; severity: string; raw: unknown }>(
      `SELECT external_id, severity, raw FROM case_events WHERE inbound_source_id = $1 ORDER BY external_id`,
      [source.id],
    );
    expect(events.map((e) => [e.external_id, e.severity])).toEqual([
      ['A-1', 'critical'],
      ['A-2', 'critical'],
      ['A-3', 'low'],
      ['A-5', 'critical'],
    ]);
    expect(events[0].raw).toEqual(alerts[0]);
    const cases = await api().request('GET', '/api/v1/cases?source=push', { token });
    const mine = cases.body.data.filter((c: { inbound_source_id: string }) => c.inbound_source_id === source.id);
    expect(
      mine.map((c: { title: string; severity: string; event_count: number }) => [c.title, c.severity, c.event_count]),
    ).toEqual(
      expect.arrayContaining([
        ['Ransomware note', 'critical', 3],
        ['Odd login', 'low', 1],
      ]),
    );
    expect(mine).toHaveLength(2);
    // Every request was stored as received and routed to the fan-out as before.
    expect(await count(`inbound_events WHERE source_id = $1`, [source.id])).toBe(3);
    const [stored] = await api().sql<{ raw_body: Buffer }>(
      `SELECT raw_body FROM inbound_events WHERE source_id = $1 ORDER BY received_at LIMIT 1`,
      [source.id],
    );
    expect(JSON.parse(stored.raw_body.toString())).toEqual(alerts);

    // A replay of a request routes it again: its items are duplicates, nothing new.
    const [first] = await api().sql<{ id: string; routed_at: Date }>(
      `SELECT id, routed_at FROM inbound_events WHERE source_id = $1 ORDER BY received_at LIMIT 1`,
      [source.id],
    );
    const replay = await api().request('POST', `/api/v1/inbound-events/${first.id}/replay`, { token, body: {} });
    expect(replay.status, replay.text).toBeLessThan(300);
    await waitFor('the replay routed', async () => {
      const [row] = await api().sql<{ status: string; routed_at: Date | null }>(
        `SELECT status, routed_at FROM inbound_events WHERE id = $1`,
        [first.id],
      );
      return row.status === 'routed' && row.routed_at !== null && row.routed_at > first.routed_at;
    });
    expect(await count(`case_events WHERE inbound_source_id = $1`, [source.id])).toBe(4);
  });

  it('reads the items at items_path', async () => {
    const { body: source } = await createSource({
      name: 'siem-wrapped',
      provider: 'standard_webhooks',
      case_mapping: { ...caseMapping, items_path: '$.data.alerts' },
    });
    await push(source, {
      data: {
        alerts: [
          { alert_id: 'W-1', name: 'Beacon', prio: 'high', host: 'pc1' },
          { alert_id: 'W-2', name: 'Beacon', prio: 'high', host: 'pc2' },
        ],
      },
    });
    await routed(source.id, 1);
    expect(await count(`case_events WHERE inbound_source_id = $1`, [source.id])).toBe(2);
    expect(await count(`cases WHERE inbound_source_id = $1 AND severity = 'high'`, [source.id])).toBe(2);
  });
});
