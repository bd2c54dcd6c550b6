// POST /api/v1/events under concurrency: publishes arriving together are group-committed (PublishGroupCommit). Every
// 2xx is committed exactly once with its audit row and its deliveries queued, duplicates of a key are answered as
// duplicates, a publish the database refuses fails alone, and publishes are in fact written together (counted round
// trips, and the API's batch metric).
import { getDataSourceToken } from '@nestjs/typeorm';
import { ConnectionOptions, Queue } from 'bullmq';
import { ClsService } from 'nestjs-cls';
import { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { AccessService, RequestIdentity } from '@conduit/access';
import type { AuditEntry } from '@conduit/audit';
import { TenantId } from '@conduit/platform';
import { redisOptionsFromUrl } from '@conduit/queues';
import { DeliveryJob, PublishGroupCommit, PublishInput } from '@conduit/webhooks';
import { TestApi, startTestApi } from '../support/test-api';

interface Sent {
  i: number;
  tenant: 'acme' | 'globex';
  caller: 'user' | 'api_key' | 'mssp';
  body: Record<string, unknown>;
  headers: Record<string, string>;
  key?: string;
}

describe('publish group commit', () => {
  let api: TestApi;
  const t: Record<string, { id: TenantId; code: string }> = {};
  let admin: { id: string; email: string; token: string };
  let globexAdmin: { id: string; token: string };
  let msspAdmin: { id: string; token: string };
  let apiKey: { id: string; key: string };
  const subs: Record<string, string> = {};
  let deliveriesQueue: Queue<DeliveryJob>;

  beforeAll(async () => {
    api = await startTestApi();
    t.mssp = await api.seedTenant('mssp');
    t.acme = await api.seedTenant('acme', 'mssp');
    t.globex = await api.seedTenant('globex');
    admin = await api.seedUser('acme', 'tenant_admin');
    globexAdmin = await api.seedUser('globex', 'tenant_admin');
    msspAdmin = await api.seedUser('mssp', 'mssp_admin');
    const key = await api.request('POST', '/api/v1/api-keys', {
      token: admin.token,
      body: { name: 'publisher', scopes: ['events:write', 'events:read'] },
    });
    expect(key.status, key.text).toBe(201);
    apiKey = { id: key.body.id, key: key.body.key };
    const subscribe = async (token: string, body: Record<string, unknown>) => {
      const res = await api.request('POST', '/api/v1/subscriptions', {
        token,
        body: { target_url: 'https://hooks.example.test/in', ...body },
      });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    subs.orders = await subscribe(admin.token, { app_name: 'orders', event_types: ['order.*'] });
    subs.big = await subscribe(admin.token, {
      app_name: 'big orders',
      event_types: ['order.created'],
      filter: { total: { $gt: 100 } },
    });
    subs.everything = await subscribe(globexAdmin.token, { app_name: 'all', event_types: ['*'] });
    // A chain started by shipment.sent in acme: batches holding one go through a transaction that runs the hook.
    const chain = await api.request('POST', '/api/execution-chains', {
      token: admin.token,
      body: { name: 'ship', trigger_event: 'shipment.sent', steps: [{ webhook_id: subs.orders, name: 'notify' }] },
    });
    expect(chain.status, chain.text).toBe(201);
    deliveriesQueue = new Queue<DeliveryJob>('deliveries', {
      connection: redisOptionsFromUrl(api.config.REDIS_URL) as ConnectionOptions,
      prefix: api.config.REDIS_PREFIX,
    });
  });
  afterAll(async () => {
    await deliveriesQueue?.close();
    await api?.close();
  });

  /** The API's batch metric: batches and publishes committed per path, and splits. */
  async function batchMetrics() {
    const text = (await api.request('GET', '/metrics')).text;
    const value = (pattern: string) => Number(new RegExp(`^${pattern} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return {
      groupBatches: value('conduit_publish_batch_events_count\\{path="group"\\}'),
      transactionBatches: value('conduit_publish_batch_events_count\\{path="transaction"\\}'),
      groupPublishes: value('conduit_publish_batch_events_sum\\{path="group"\\}'),
      transactionPublishes: value('conduit_publish_batch_events_sum\\{path="transaction"\\}'),
      splits: value('conduit_publish_batch_splits_total'),
    };
  }

  function send(s: Sent) {
    const auth =
      s.caller === 'api_key'
        ? { apiKey: apiKey.key }
        : s.caller === 'mssp'
          ? { token: msspAdmin.token, tenant: t.acme.id }
          : { token: s.tenant === 'acme' ? admin.token : globexAdmin.token };
    return api.request('POST', '/api/v1/events', { ...auth, body: s.body, headers: s.headers });
  }

  const queuedDeliveryIds = async () =>
    new Set(
      (await deliveriesQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active'])).flatMap(
        (j) => j.data.delivery_ids,
      ),
    );

  it('commits 200 concurrent publishes across tenants exactly once each, with duplicates, filters, audit rows and queued deliveries', async () => {
    const before = await batchMetrics();
    const counts = async () =>
      Object.fromEntries(
        (await api.sql(`SELECT tenant_id, count(*)::int AS n FROM webhook_events GROUP BY tenant_id`)).map((r) => [
          r.tenant_id,
          r.n,
        ]),
      );
    const countsBefore = await counts();
    const sent: Sent[] = Array.from({ length: 200 }, (_, i) => {
      const tenant = i % 4 === 3 ? 'globex' : 'acme';
      const caller = tenant === 'globex' ? 'user' : i % 3 === 0 ? 'api_key' : i % 3 === 1 ? 'user' : 'mssp';
      // Six keys shared by several publishes each in acme; k-0 in globex too, where it is another tenant's key.
      const key = i % 5 !== 0 ? undefined : tenant === 'globex' ? 'k-0' : `k-${(i / 5) % 6}`;
      const eventName = tenant === 'globex' ? 'invoice.paid' : i === 6 || i === 106 ? 'shipment.sent' : 'order.created';
      // The same key always comes with the same total, so what its one event fans out to does not depend on who won.
      const total = key ? Number(key.slice(2)) * 40 : i === 1 ? 500 : i === 2 ? 5 : (i * 37) % 200;
      const body: Record<string, unknown> = { event_name: eventName, source: 'burst', payload: { i, total } };
      const headers: Record<string, string> = { 'x-request-id': `burst-${String(i).padStart(4, '0')}` };
      if (key && i % 2 === 0) headers['Idempotency-Key'] = key;
      else if (key) body.idempotency_key = key;
      return { i, tenant, caller, body, headers, key };
    });
    const answers = await Promise.all(sent.map((s) => send(s)));
    for (const [n, res] of answers.entries()) expect(res.status, `${n}: ${res.text}`).toBe(202);

    // Duplicates: per tenant and key, one new event, the others its duplicates with its id.
    const byKey = new Map<string, { id: string; duplicate: boolean }[]>();
    sent.forEach((s, n) => {
      if (!s.key) return;
      const list = byKey.get(`${s.tenant}/${s.key}`) ?? [];
      list.push(answers[n].body);
      byKey.set(`${s.tenant}/${s.key}`, list);
    });
    expect([...byKey.keys()].sort()).toEqual([
      'acme/k-0',
      'acme/k-1',
      'acme/k-2',
      'acme/k-3',
      'acme/k-4',
      'acme/k-5',
      'globex/k-0',
    ]);
    for (const [key, list] of byKey) {
      expect(
        list.filter((a) => !a.duplicate),
        key,
      ).toHaveLength(1);
      expect(new Set(list.map((a) => a.id)).size, key).toBe(1);
    }
    expect(byKey.get('acme/k-0')?.[0].id).not.toBe(byKey.get('globex/k-0')?.[0].id);
    const unkeyed = answers.filter((_, n) => !sent[n].key);
    expect(unkeyed.every((a) => a.body.duplicate === false)).toBe(true);

    // Every 2xx committed exactly once, in its tenant, and nothing else written.
    const ids = [...new Set(answers.map((a) => a.body.id as string))];
    const rows = await api.sql(
      `SELECT e.id, e.tenant_id, e.event_name, e.payload, e.delivery_count,
              (SELECT count(*)::int FROM webhook_deliveries d WHERE d.event_id = e.id) AS deliveries
         FROM webhook_events e WHERE e.id = ANY($1::uuid[])`,
      [ids],
    );
    expect(rows).toHaveLength(ids.length);
    const countsAfter = await counts();
    const grew = (tenant: TenantId) => (countsAfter[tenant] ?? 0) - (countsBefore[tenant] ?? 0);
    expect(grew(t.acme.id)).toBe(rows.filter((r) => r.tenant_id === t.acme.id).length);
    expect(grew(t.globex.id)).toBe(rows.filter((r) => r.tenant_id === t.globex.id).length);
    expect(ids).toHaveLength(unkeyed.length + byKey.size);
    const row = new Map(rows.map((r) => [r.id as string, r]));
    sent.forEach((s, n) => expect(row.get(answers[n].body.id)?.tenant_id, `${n}`).toBe(t[s.tenant].id));

    // Fan-out: acme's orders reach `orders`, and `big` when total > 100; shipments no subscription; globex's `all`.
    for (const r of rows) {
      const expected =
        r.tenant_id === t.globex.id ? 1 : r.event_name === 'shipment.sent' ? 0 : r.payload.total > 100 ? 2 : 1;
      expect(r.deliveries, `${r.event_name} ${JSON.stringify(r.payload)}`).toBe(expected);
      expect(r.delivery_count).toBe(expected);
    }
    sent.forEach((s, n) => expect(answers[n].body.deliveries).toBe(row.get(answers[n].body.id)?.deliveries));
    const matching = await api.sql(`SELECT subscription_id FROM webhook_deliveries WHERE event_id = $1`, [
      answers[1].body.id,
    ]);
    expect(matching.map((m) => m.subscription_id).sort()).toEqual([subs.orders, subs.big].sort());
    const notMatching = await api.sql(`SELECT subscription_id FROM webhook_deliveries WHERE event_id = $1`, [
      answers[2].body.id,
    ]);
    expect(notMatching.map((m) => m.subscription_id)).toEqual([subs.orders]);

    // Every new delivery has its job waiting in Redis (no worker runs here).
    const deliveryIds = (
      await api.sql(`SELECT id FROM webhook_deliveries WHERE event_id = ANY($1::uuid[])`, [ids])
    ).map((d) => d.id as string);
    const queued = await queuedDeliveryIds();
    expect(deliveryIds.filter((id) => !queued.has(id))).toEqual([]);

    // The chain ran for each new shipment, once.
    const shipments = rows.filter((r) => r.event_name === 'shipment.sent').map((r) => r.id as string);
    expect(shipments.length).toBeGreaterThan(0);
    const runs = await api.sql(
      `SELECT trigger_event_id FROM execution_chain_runs WHERE trigger_event_id = ANY($1::uuid[])`,
      [shipments],
    );
    expect(runs.map((r) => r.trigger_event_id).sort()).toEqual([...shipments].sort());

    // One audit row per publish, duplicates included, in its tenant, pointing at the event it was answered with.
    const audit = await api.sql(
      `SELECT * FROM audit_events WHERE action = 'event.publish' AND request_id LIKE 'burst-%' ORDER BY request_id`,
    );
    expect(audit).toHaveLength(200);
    sent.forEach((s, n) => {
      const a = audit[n];
      expect(a.request_id).toBe(s.headers['x-request-id']);
      expect(a).toMatchObject({
        tenant_id: t[s.tenant].id,
        target_type: 'Event',
        target_id: answers[n].body.id,
        outcome: 'success',
        status_code: 202,
        ip: '127.0.0.1',
        changes: s.body,
      });
      const actor =
        s.caller === 'api_key'
          ? { actor_type: 'api_key', actor_id: apiKey.id, actor_label: 'publisher' }
          : s.caller === 'mssp'
            ? { actor_type: 'user', actor_id: msspAdmin.id }
            : { actor_type: 'user', actor_id: s.tenant === 'acme' ? admin.id : globexAdmin.id };
      expect(a).toMatchObject(actor);
      expect(a.metadata).toEqual(s.caller === 'mssp' ? { home_tenant_id: t.mssp.id } : null);
    });

    // Written together: fewer batches than publishes (one each without group commit), and every publish in one. How
    // many arrive together depends on the machine; the round-trip test below pins what one batch costs.
    const after = await batchMetrics();
    const batches = after.groupBatches - before.groupBatches + (after.transactionBatches - before.transactionBatches);
    const batched =
      after.groupPublishes - before.groupPublishes + (after.transactionPublishes - before.transactionPublishes);
    expect(batched).toBe(200);
    expect(after.groupPublishes - before.groupPublishes).toBeGreaterThan(0);
    expect(after.transactionPublishes - before.transactionPublishes).toBeGreaterThan(0);
    expect(batches).toBeLessThan(120);
    expect(after.splits).toBe(before.splits);
  });

  it('writes the same audit row as the request interceptor writes for a publish in a request transaction', async () => {
    // The seed route still publishes in the request's transaction, audited by the interceptor, under the same action.
    const body = { event_name: 'order.created', payload: { total: 3 } };
    const headers = { 'user-agent': 'audit-compare/1.0' };
    const grouped = await api.request('POST', '/api/v1/events', { apiKey: apiKey.key, body, headers });
    const seed = await api.request('POST', '/api/webhooks/event', { apiKey: apiKey.key, body, headers });
    expect([grouped.status, seed.status]).toEqual([202, 202]);
    const row = async (id: string) => {
      const [r] = await api.sql(`SELECT * FROM audit_events WHERE action = 'event.publish' AND target_id = $1`, [id]);
      const { id: _id, target_id: _target, request_id: _request, created_at: _at, ...rest } = r;
      return rest;
    };
    expect(await row(grouped.body.id)).toEqual(await row(seed.body.id));
    expect((await row(grouped.body.id)).user_agent).toBe('audit-compare/1.0');
  });

  it('fails only the publish the database refuses, with its own error and audit row', async () => {
    const owner = new Client({ connectionString: api.db.url });
    await owner.connect();
    try {
      await owner.query(`
        CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'poison' USING ERRCODE = '22023'; END $$;
        CREATE TRIGGER refuse_poison BEFORE INSERT ON webhook_events
          FOR EACH ROW WHEN (NEW.event_name = 'poison.pill') EXECUTE FUNCTION refuse_poison();`);

      // Through the API, among concurrent publishes.
      const sent = Array.from({ length: 40 }, (_, i) => ({
        body: { event_name: i === 17 ? 'poison.pill' : 'order.created', payload: { i, total: 1 } },
        headers: { 'x-request-id': `poison-${String(i).padStart(3, '0')}` },
      }));
      const answers = await Promise.all(
        sent.map((s) => api.request('POST', '/api/v1/events', { token: admin.token, ...s })),
      );
      answers.forEach((res, i) => expect(res.status, `${i}: ${res.text}`).toBe(i === 17 ? 400 : 202));
      expect(answers[17].body).toMatchObject({ error: { code: 'invalid_input' }, request_id: 'poison-017' });
      const ids = answers.filter((_, i) => i !== 17).map((a) => a.body.id as string);
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM webhook_events WHERE id = ANY($1::uuid[])`, [ids]);
      expect(n).toBe(39);
      const [{ poisoned }] = await api.sql(
        `SELECT count(*)::int AS poisoned FROM webhook_events WHERE event_name = 'poison.pill'`,
      );
      expect(poisoned).toBe(0);
      const audit = await api.sql(
        `SELECT request_id, outcome, status_code, target_id FROM audit_events WHERE request_id LIKE 'poison-%' ORDER BY request_id`,
      );
      expect(audit).toHaveLength(40);
      expect(audit[17]).toEqual({ request_id: 'poison-017', outcome: 'failure', status_code: 400, target_id: null });
      expect(audit.filter((a) => a.outcome === 'success' && a.status_code === 202)).toHaveLength(39);

      // Submitted in one turn (so certainly one batch): the batch is split until the poison stands alone.
      const before = await batchMetrics();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          publishDirect(i === 5 ? 'poison.pill' : 'order.created', { i, total: 1 }, `direct-${i}`),
        ),
      );
      expect(outcomes.map((o) => o.status)).toEqual(
        Array.from({ length: 12 }, (_, i) => (i === 5 ? 'rejected' : 'fulfilled')),
      );
      const after = await batchMetrics();
      expect(after.splits).toBeGreaterThan(before.splits);
      const committed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.id] : []));
      const [{ direct }] = await api.sql(
        `SELECT count(*)::int AS direct FROM webhook_events WHERE id = ANY($1::uuid[])`,
        [committed],
      );
      expect(direct).toBe(11);
    } finally {
      await owner.query(
        `DROP TRIGGER IF EXISTS refuse_poison ON webhook_events; DROP FUNCTION IF EXISTS refuse_poison()`,
      );
      await owner.end();
    }
  });

  it('writes a batch of publishes in two round trips: one read, one durable write', async () => {
    let answers: { id: string; duplicate: boolean }[] = [];
    const rounds = await messagesDuring(async () => {
      // 20 publishes submitted together, two with one key (the second answered as the first's duplicate).
      answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          publishDirect('order.created', { i, total: 150 }, `trips-${i}`, i < 2 ? 'trips-key' : undefined),
        ),
      );
    });
    // Nothing else the API's pool sent meanwhile (its one background read, the licence in force's, is left out).
    expect(rounds).toHaveLength(2);
    expect(rounds[0]).toMatch(/FROM webhook_subscriptions/);
    expect(rounds[1]).toMatch(/INSERT INTO webhook_events[\s\S]*INSERT INTO audit_events/);
    expect(answers[1]).toMatchObject({ id: answers[0].id, duplicate: true });
    const [{ n }] = await api.sql(
      `SELECT count(*)::int AS n FROM audit_events WHERE request_id LIKE 'trips-%' AND action = 'event.publish'`,
    );
    expect(n).toBe(20);
    const [{ d }] = await api.sql(
      `SELECT count(*)::int AS d FROM webhook_deliveries WHERE event_id = ANY($1::uuid[])`,
      [[...new Set(answers.map((a) => a.id))]],
    );
    expect(d).toBe(19 * 2);
  });

  /**
   * The text of every message the API's pool sends while fn runs (one client.query() is one round trip): the class's
   * query() wrapped, and a connection's own where one has it. Licensing's timer (the read of the licence in force every
   * LICENSE_REFRESH_MS) may fall into any window and is no request's cost: left out.
   */
  async function messagesDuring(fn: () => Promise<void>): Promise<string[]> {
    type QueryFn = (this: unknown, ...args: unknown[]) => unknown;
    type Queryable = { query: QueryFn };
    type PoolInternals = Pool & { Client: { prototype: Queryable }; _clients: Queryable[] };
    const pool = (api.app.get<DataSource>(getDataSourceToken()).driver as unknown as { master: PoolInternals }).master;
    const seen: string[] = [];
    const counted = (query: QueryFn): QueryFn =>
      function (this: unknown, ...args: unknown[]) {
        const q = args[0] as string | { text: string };
        const text = typeof q === 'string' ? q : q.text;
        if (!/\blicense_installation\b/.test(text)) seen.push(text);
        return query.apply(this, args);
      };
    // The class's method, and a connection's own where one has it (then it does not reach the class's).
    const targets = [
      pool.Client.prototype,
      ...pool._clients.filter((c) => Object.prototype.hasOwnProperty.call(c, 'query')),
    ];
    const own = targets.map((t) => Object.getOwnPropertyDescriptor(t, 'query'));
    for (const t of targets) t.query = counted(t.query);
    try {
      await fn();
    } finally {
      targets.forEach((t, i) => {
        const descriptor = own[i];
        if (descriptor) Object.defineProperty(t, 'query', descriptor);
        else delete (t as Partial<Queryable>).query;
      });
    }
    return seen;
  }

  /** A publish as admin in acme straight into the group commit (as the controller hands it over), in its own CLS. */
  function publishDirect(event_name: string, payload: unknown, requestId: string, idempotency_key?: string) {
    const cls = api.app.get(ClsService);
    const access = api.app.get(AccessService);
    const identity: RequestIdentity = {
      principal: {
        kind: 'user',
        id: admin.id,
        label: admin.email,
        userId: admin.id,
        homeTenantId: t.acme.id,
        role: 'tenant_admin',
        scopes: null,
      },
      tenant: { id: t.acme.id, code: 'acme', name: 'Tenant acme', status: 'active', parent_id: t.mssp.id },
    };
    const input: PublishInput = { event_name, payload, idempotency_key };
    const audit: AuditEntry = {
      tenantId: t.acme.id,
      action: 'event.publish',
      outcome: 'success',
      actor: { type: 'user', id: admin.id, label: admin.email },
      target: { type: 'Event', id: null },
      statusCode: 202,
      requestId,
      changes: { event_name, payload },
    };
    return cls.run(() => {
      access.setIdentity(identity);
      return api.app.get(PublishGroupCommit).publish(input, audit);
    });
  }
});
