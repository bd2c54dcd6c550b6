// The webhooks API without a worker: subscriptions, publishing and fan-out rows, idempotency, seed endpoints,
// isolation.
import { Client } from 'pg';
import { TestApi, startTestApi } from '../support/test-api';
import { startWebhookReceiver } from '../support/webhook-receiver';

describe('webhooks API', () => {
  let api: TestApi;
  let admin: { id: string; token: string };
  let analyst: { token: string };
  let viewer: { token: string };
  let other: { token: string };
  let msspAdmin: { token: string };
  const t: Record<string, { id: string; code: string }> = {};

  beforeAll(async () => {
    api = await startTestApi();
    t.mssp = await api.seedTenant('mssp');
    t.acme = await api.seedTenant('acme', 'mssp');
    t.globex = await api.seedTenant('globex');
    admin = await api.seedUser('acme', 'tenant_admin');
    analyst = await api.seedUser('acme', 'analyst');
    viewer = await api.seedUser('acme', 'viewer');
    other = await api.seedUser('globex', 'tenant_admin');
    msspAdmin = await api.seedUser('mssp', 'mssp_admin');
  });
  afterAll(() => api.close());

  const subscribe = (body: Record<string, unknown>, token = admin.token) =>
    api.request('POST', '/api/v1/subscriptions', { token, body });
  const publish = (body: Record<string, unknown>, token = admin.token, headers?: Record<string, string>) =>
    api.request('POST', '/api/v1/events', { token, body, headers });

  describe('subscriptions', () => {
    it('creates a subscription, returns its whsec_ secret once, and stores it only sealed', async () => {
      const res = await subscribe({
        app_name: 'billing',
        target_url: 'http://127.0.0.1:9/hook',
        event_types: ['order.created', 'invoice.*'],
        headers: { 'X-Team': 'billing-secret-token-123' },
        filter: { 'order.total': { $gte: 100 } },
      });
      expect(res.status).toBe(201);
      expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(res.body).toMatchObject({
        app_name: 'billing',
        event_types: ['order.created', 'invoice.*'],
        subscribed_event: 'order.created',
        type: 'public',
        payload_format: 'envelope',
        headers: { 'X-Team': '••••' },
        retry_schedule: [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
        is_active: true,
        circuit_state: 'closed',
        tenant_id: t.acme.id,
      });
      const get = await api.request('GET', `/api/v1/subscriptions/${res.body.id}`, { token: admin.token });
      expect(get.body.secret).toBeUndefined();
      const [row] = await api.sql('SELECT * FROM webhook_subscriptions WHERE id = $1', [res.body.id]);
      const raw = JSON.stringify(row);
      expect(raw).not.toContain(res.body.secret.slice(6));
      expect(raw).not.toContain('billing-secret-token-123');
      const audit = await api.request('GET', `/api/v1/audit-events?action=subscription.create`, { token: admin.token });
      expect(JSON.stringify(audit.body)).not.toContain('billing-secret-token-123');
    });

    it('rejects bad filters, event types, URLs and reserved headers with 400 and writes nothing', async () => {
      const [{ n: before }] = await api.sql('SELECT count(*)::int AS n FROM webhook_subscriptions');
      const cases: [Record<string, unknown>, string][] = [
        [{ filter: { total: { $where: 'x' } } }, 'invalid_filter'],
        [{ filter: { total: { $regex: 'x' } } }, 'invalid_filter'],
        [{ event_types: ['order.*.bad'] }, 'invalid_event_type'],
        [{ event_types: [] }, 'validation_failed'],
        [{ target_url: 'ftp://example.test/x' }, 'validation_failed'],
        [{ target_url: 'not a url' }, 'validation_failed'],
        [{ headers: { 'webhook-signature': 'x' } }, 'invalid_headers'],
        [{ type: 'secret' }, 'validation_failed'],
        [{ retry_schedule: [-1] }, 'validation_failed'],
      ];
      for (const [override, code] of cases) {
        const res = await subscribe({
          app_name: 'x',
          target_url: 'https://example.test/h',
          event_types: ['a.b'],
          ...override,
        });
        expect({ status: res.status, code: res.body.error?.code, override }).toEqual({ status: 400, code, override });
      }
      const [{ n: after }] = await api.sql('SELECT count(*)::int AS n FROM webhook_subscriptions');
      expect(after).toBe(before);
    });

    it('updates, disables, lists with filters and soft-deletes', async () => {
      const { body: sub } = await subscribe({
        app_name: 'crm',
        target_url: 'https://crm.example.test/h',
        event_types: ['user.*'],
      });
      const upd = await api.request('PATCH', `/api/v1/subscriptions/${sub.id}`, {
        token: admin.token,
        body: {
          target_url: 'https://crm2.example.test/h',
          event_types: ['user.created'],
          is_active: false,
          payload_format: 'raw',
        },
      });
      expect(upd.status).toBe(200);
      expect(upd.body).toMatchObject({
        target_url: 'https://crm2.example.test/h',
        event_types: ['user.created'],
        is_active: false,
        payload_format: 'raw',
        disabled_reason: 'disabled_by_user',
      });
      const list = await api.request('GET', '/api/v1/subscriptions?event_type=user.created&is_active=false', {
        token: admin.token,
      });
      expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([sub.id]);
      expect((await api.request('DELETE', `/api/v1/subscriptions/${sub.id}`, { token: admin.token })).status).toBe(204);
      expect((await api.request('GET', `/api/v1/subscriptions/${sub.id}`, { token: admin.token })).status).toBe(404);
    });

    it('rotates the secret: a new one is returned and the previous stays valid for the grace period', async () => {
      const { body: sub } = await subscribe({
        app_name: 'rot',
        target_url: 'https://rot.example.test/h',
        event_types: ['x.y'],
      });
      const rotated = await api.request('POST', `/api/v1/subscriptions/${sub.id}/rotate-secret`, {
        token: admin.token,
      });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(sub.secret);
      expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    });

    it('lets viewers read but not change, and analysts operate', async () => {
      expect((await api.request('GET', '/api/v1/subscriptions', { token: viewer.token })).status).toBe(200);
      expect(
        (await subscribe({ app_name: 'v', target_url: 'https://v.example.test', event_types: ['a'] }, viewer.token))
          .status,
      ).toBe(403);
      expect((await publish({ event_name: 'a', payload: {} }, viewer.token)).status).toBe(403);
      expect(
        (await subscribe({ app_name: 'a', target_url: 'https://a.example.test', event_types: ['a'] }, analyst.token))
          .status,
      ).toBe(201);
    });
  });

  describe('publishing', () => {
    it('fans out to matching subscriptions only (exact, wildcard, filter) and answers 202 queued', async () => {
      const make = async (event_types: string[], filter?: Record<string, unknown>) =>
        (
          await subscribe({
            app_name: 'fan',
            target_url: 'https://fan.example.test/h',
            event_types,
            ...(filter ? { filter } : {}),
          })
        ).body.id as string;
      const exact = await make(['shipment.sent']);
      const wildcard = await make(['shipment.*']);
      const all = await make(['*']);
      const filtered = await make(['shipment.sent'], { 'parcel.weight': { $gt: 10 } });
      const filteredOut = await make(['shipment.sent'], { 'parcel.weight': { $lte: 10 } });
      const otherType = await make(['shipment.returned']);
      const res = await publish({ event_name: 'shipment.sent', source: 'wms', payload: { parcel: { weight: 12 } } });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'queued', event_name: 'shipment.sent', duplicate: false });
      const detail = await api.request('GET', `/api/v1/events/${res.body.id}`, { token: admin.token });
      const targeted = detail.body.deliveries.map((d: { subscription_id: string }) => d.subscription_id).sort();
      expect(targeted).toEqual(expect.arrayContaining([exact, wildcard, all, filtered]));
      expect(targeted).not.toContain(filteredOut);
      expect(targeted).not.toContain(otherType);
      expect(
        detail.body.deliveries.every(
          (d: { status: string; attempt_count: number }) => d.status === 'pending' && d.attempt_count === 0,
        ),
      ).toBe(true);
      expect(res.body.deliveries).toBe(detail.body.deliveries.length);
      const jobs = await api.sql(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_id = $1`, [
        res.body.id,
      ]);
      expect(jobs[0].n).toBe(targeted.length);
    });

    it('returns the first event again for the same idempotency key (header or body)', async () => {
      const first = await publish({ event_name: 'pay.done', payload: { n: 1 } }, admin.token, {
        'Idempotency-Key': 'pay-1',
      });
      const again = await publish({ event_name: 'pay.done', payload: { n: 2 } }, admin.token, {
        'Idempotency-Key': 'pay-1',
      });
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
      const viaBody = await publish({ event_name: 'pay.done', payload: {}, idempotency_key: 'pay-1' });
      expect(viaBody.body.id).toBe(first.body.id);
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM webhook_events WHERE idempotency_key = 'pay-1'`);
      expect(n).toBe(1);
      // Keys are per tenant.
      const elsewhere = await publish({ event_name: 'pay.done', payload: {} }, other.token, {
        'Idempotency-Key': 'pay-1',
      });
      expect(elsewhere.body.id).not.toBe(first.body.id);
      // After 24 h the key is free again.
      await api.sql(`UPDATE webhook_events SET created_at = now() - interval '25 hours' WHERE id = $1`, [
        first.body.id,
      ]);
      const later = await publish({ event_name: 'pay.done', payload: {} }, admin.token, { 'Idempotency-Key': 'pay-1' });
      expect(later.body).toMatchObject({ duplicate: false });
      expect(later.body.id).not.toBe(first.body.id);
    });

    it('concurrent publishes with one key create one event', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          publish({ event_name: 'race.key', payload: {} }, admin.token, { 'Idempotency-Key': 'race-1' }),
        ),
      );
      expect(results.every((r) => r.status === 202)).toBe(true);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    });

    it('answers a publish that lost the race for its key with the winner (publishing again finds it)', async () => {
      // Another transaction inserts the key first and commits only once the API's insert is waiting on it: the
      // API's lookup saw no event, its insert then hits the unique index, and the batch is published again.
      const rival = new Client({ connectionString: api.db.url });
      await rival.connect();
      try {
        await rival.query('BEGIN');
        const [winner] = (
          await rival.query(
            `INSERT INTO webhook_events (id, tenant_id, event_name, source, payload, idempotency_key, delivery_count, created_at)
             VALUES (gen_random_uuid(), $1, 'race.lost', 'rival', '{}', 'race-lost-1', 0, now()) RETURNING id`,
            [t.acme.id],
          )
        ).rows as { id: string }[];
        const pending = publish({ event_name: 'race.lost', payload: {} }, admin.token, {
          'Idempotency-Key': 'race-lost-1',
        });
        // Commit once the API's insert waits on the rival's transaction (a Lock wait in this database).
        for (let i = 0; i < 100; i += 1) {
          const waiting = await api.sql(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          if (waiting[0].n > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await rival.query('COMMIT');
        const res = await pending;
        expect(res.status).toBe(202);
        expect(res.body).toMatchObject({ id: winner.id, duplicate: true });
        const [{ n }] = await api.sql(
          `SELECT count(*)::int AS n FROM webhook_events WHERE idempotency_key = 'race-lost-1'`,
        );
        expect(n).toBe(1);
      } finally {
        await rival.end();
      }
    });

    it('validates event names and payloads', async () => {
      expect((await publish({ event_name: 'bad name', payload: {} })).status).toBe(400);
      expect((await publish({ event_name: 'ok.name' })).status).toBe(400);
      expect((await publish({ event_name: 'ok.name', payload: {}, extra: 1 })).status).toBe(400);
    });

    it('lists events with filters and lists deliveries by status and subscription', async () => {
      const list = await api.request('GET', '/api/v1/events?event_name=shipment.sent', { token: admin.token });
      expect(list.body.data.length).toBeGreaterThanOrEqual(1);
      expect(list.body.data.every((e: { event_name: string }) => e.event_name === 'shipment.sent')).toBe(true);
      const deliveries = await api.request('GET', '/api/v1/deliveries?status=pending&limit=2', { token: admin.token });
      expect(deliveries.status).toBe(200);
      expect(deliveries.body.data).toHaveLength(2);
      expect(deliveries.body.data[0].event_name).toEqual(expect.any(String));
      expect(deliveries.body.next_cursor).toEqual(expect.any(String));
    });
  });

  describe('seed endpoints', () => {
    it('POST /api/webhooks/subscribe, /api/webhooks/event and GET /api/webhooks work as documented', async () => {
      const sub = await api.request('POST', '/api/webhooks/subscribe', {
        token: admin.token,
        body: {
          app_name: 'payment_service',
          target_url: 'https://pay.example.test/webhook',
          subscribed_event: 'payment.completed',
          type: 'private',
          description: 'payments',
        },
      });
      expect(sub.status).toBe(201);
      expect(sub.body).toMatchObject({
        app_name: 'payment_service',
        subscribed_event: 'payment.completed',
        type: 'private',
        description: 'payments',
      });
      expect(sub.body.secret).toMatch(/^whsec_/);
      const ev = await api.request('POST', '/api/webhooks/event', {
        token: admin.token,
        body: { event_name: 'payment.completed', source: 'stripe', payload: { amount: 10 } },
      });
      expect(ev.status).toBe(202);
      expect(ev.body).toMatchObject({ status: 'queued', event_name: 'payment.completed' });
      const { body: detail } = await api.request('GET', `/api/v1/events/${ev.body.id}`, { token: admin.token });
      expect(detail.source).toBe('stripe');
      expect(detail.deliveries.map((d: { subscription_id: string }) => d.subscription_id)).toContain(sub.body.id);
      const list = await api.request('GET', '/api/webhooks?limit=1', { token: admin.token });
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(1);
      expect(list.body.next_cursor).toEqual(expect.any(String));
    });

    it('accepts a tenant_id the caller administers and gives 404 for any other', async () => {
      const own = await api.request('POST', '/api/webhooks/event', {
        token: admin.token,
        body: { tenant_id: t.acme.id, event_name: 'x.y', source: 's', payload: {} },
      });
      expect(own.status).toBe(202);
      const foreign = await api.request('POST', '/api/webhooks/event', {
        token: admin.token,
        body: { tenant_id: t.globex.id, event_name: 'x.y', source: 's', payload: {} },
      });
      expect(foreign.status).toBe(404);
      const foreignSub = await api.request('POST', '/api/webhooks/subscribe', {
        token: admin.token,
        body: {
          tenant_id: 'globex',
          app_name: 'x',
          target_url: 'https://x.example.test',
          subscribed_event: 'a',
          type: 'public',
        },
      });
      expect(foreignSub.status).toBe(404);
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM webhook_events WHERE tenant_id = $1`, [
        t.globex.id,
      ]);
      const viaMssp = await api.request('POST', '/api/webhooks/subscribe', {
        token: msspAdmin.token,
        body: {
          tenant_id: 'acme',
          app_name: 'from-mssp',
          target_url: 'https://m.example.test',
          subscribed_event: 'a.b',
          type: 'public',
        },
      });
      expect(viaMssp.status).toBe(201);
      expect(viaMssp.body.tenant_id).toBe(t.acme.id);
      const listed = await api.request('GET', `/api/webhooks?tenant_id=${t.acme.id}`, { token: msspAdmin.token });
      expect(listed.body.data.some((s: { app_name: string }) => s.app_name === 'from-mssp')).toBe(true);
      expect(
        (await api.request('GET', `/api/webhooks?tenant_id=${t.globex.id}`, { token: msspAdmin.token })).status,
      ).toBe(404);
      expect(n).toBeGreaterThanOrEqual(0);
    });
  });

  describe('tenant isolation', () => {
    it("gives 404 for another tenant's subscriptions, events and deliveries, and never lists them", async () => {
      const { body: sub } = await subscribe({
        app_name: 'private',
        target_url: 'https://p.example.test',
        event_types: ['iso.test'],
      });
      const { body: ev } = await publish({ event_name: 'iso.test', payload: {} });
      const { body: detail } = await api.request('GET', `/api/v1/events/${ev.id}`, { token: admin.token });
      const deliveryId = detail.deliveries[0].id;
      for (const [method, path] of [
        ['GET', `/api/v1/subscriptions/${sub.id}`],
        ['PATCH', `/api/v1/subscriptions/${sub.id}`],
        ['DELETE', `/api/v1/subscriptions/${sub.id}`],
        ['POST', `/api/v1/subscriptions/${sub.id}/rotate-secret`],
        ['POST', `/api/v1/subscriptions/${sub.id}/test`],
        ['GET', `/api/v1/events/${ev.id}`],
        ['GET', `/api/v1/deliveries/${deliveryId}`],
        ['POST', `/api/v1/deliveries/${deliveryId}/retry`],
      ] as const) {
        const res = await api.request(method, path, {
          token: other.token,
          body: method === 'GET' || method === 'DELETE' ? undefined : {},
        });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      }
      const recover = await api.request('POST', `/api/v1/subscriptions/${sub.id}/recover`, {
        token: other.token,
        body: { since: '2026-01-01T00:00:00Z' },
      });
      expect(recover.status).toBe(404);
      for (const path of ['/api/v1/subscriptions', '/api/v1/events', '/api/v1/deliveries']) {
        const res = await api.request('GET', `${path}?limit=200`, { token: other.token });
        expect(JSON.stringify(res.body)).not.toContain(sub.id);
        expect(JSON.stringify(res.body)).not.toContain(ev.id);
      }
    });
  });

  describe('retry, recover, test and analytics', () => {
    it('retries a delivery waiting for its next attempt now, refuses one in flight, and retries a failed one', async () => {
      await subscribe({ app_name: 'r', target_url: 'https://r.example.test', event_types: ['retry.me'] });
      const { body: ev } = await publish({ event_name: 'retry.me', payload: {} });
      const { body: detail } = await api.request('GET', `/api/v1/events/${ev.id}`, { token: admin.token });
      const id = detail.deliveries[0].id;
      const row = async () =>
        (
          await api.sql<{ status: string; next_attempt_at: Date; lease_expires_at: Date | null }>(
            'SELECT status, next_attempt_at, lease_expires_at FROM webhook_deliveries WHERE id = $1',
            [id],
          )
        )[0];
      // Waiting out its backoff: sent now instead of in an hour.
      await api.sql(
        `UPDATE webhook_deliveries SET attempt_count = 1, next_attempt_at = now() + interval '1 hour' WHERE id = $1`,
        [id],
      );
      const early = await api.request('POST', `/api/v1/deliveries/${id}/retry`, { token: admin.token });
      expect(early.status).toBe(202);
      expect(early.body).toMatchObject({ id, status: 'pending', attempt_count: 1 });
      expect((await row()).next_attempt_at.getTime()).toBeLessThan(Date.now() + 60_000);
      // An attempt in flight (leased): 409, and the lease is left alone.
      await api.sql(
        `UPDATE webhook_deliveries SET status = 'delivering', lease_expires_at = now() + interval '1 minute' WHERE id = $1`,
        [id],
      );
      const busy = await api.request('POST', `/api/v1/deliveries/${id}/retry`, { token: admin.token });
      expect(busy.status).toBe(409);
      expect(busy.body.error.code).toBe('delivery_in_progress');
      expect((await row()).status).toBe('delivering');
      // A lease its worker left to expire is taken back, as a claim would.
      await api.sql(`UPDATE webhook_deliveries SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
      const stale = await api.request('POST', `/api/v1/deliveries/${id}/retry`, { token: admin.token });
      expect(stale.status).toBe(202);
      expect(await row()).toMatchObject({ status: 'pending', lease_expires_at: null });
      await api.sql(
        `UPDATE webhook_deliveries SET status = 'failed', attempt_count = 3, next_attempt_at = NULL WHERE id = $1`,
        [id],
      );
      const retry = await api.request('POST', `/api/v1/deliveries/${id}/retry`, { token: analyst.token });
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({ id, status: 'pending', attempt_count: 3 });
    });

    it('recovers failed deliveries since a time', async () => {
      const { body: sub } = await subscribe({
        app_name: 'rec',
        target_url: 'https://rec.example.test',
        event_types: ['rec.x'],
      });
      for (let i = 0; i < 3; i++) await publish({ event_name: 'rec.x', payload: { i } });
      await api.sql(
        `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL WHERE subscription_id = $1`,
        [sub.id],
      );
      await api.sql(
        `UPDATE webhook_deliveries SET created_at = now() - interval '3 days' WHERE id = (SELECT id FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY id LIMIT 1)`,
        [sub.id],
      );
      const res = await api.request('POST', `/api/v1/subscriptions/${sub.id}/recover`, {
        token: admin.token,
        body: { since: new Date(Date.now() - 24 * 3600 * 1000).toISOString() },
      });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ recovered: 2 });
      const rows = await api.sql(
        `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 GROUP BY status ORDER BY status`,
        [sub.id],
      );
      expect(rows).toEqual([
        { status: 'failed', n: 1 },
        { status: 'pending', n: 2 },
      ]);
      expect(
        (
          await api.request('POST', `/api/v1/subscriptions/${sub.id}/recover`, {
            token: admin.token,
            body: { since: 'yesterday' },
          })
        ).status,
      ).toBe(400);
    });

    it('sends a test event to one subscription only, even if it does not match, and answers its outcome', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const { body: sub } = await subscribe({
          app_name: 't',
          target_url: receiver.url('/t'),
          event_types: ['never.happens'],
        });
        const res = await api.request('POST', `/api/v1/subscriptions/${sub.id}/test`, { token: admin.token, body: {} });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ event_name: 'webhook.test', status: 'delivered', status_code: 200 });
        const { body: detail } = await api.request('GET', `/api/v1/events/${res.body.event_id}`, {
          token: admin.token,
        });
        expect(detail).toMatchObject({ event_name: 'webhook.test', source: 'conduit.test' });
        expect(
          detail.deliveries.map((d: { id: string; subscription_id: string }) => [d.id, d.subscription_id]),
        ).toEqual([[res.body.delivery_id, sub.id]]);
        expect(receiver.to('/t')).toHaveLength(1);
      } finally {
        await receiver.close();
      }
    });

    it('reports delivery analytics per subscription', async () => {
      const { body: sub } = await subscribe({
        app_name: 'stats',
        target_url: 'https://s.example.test',
        event_types: ['stats.x'],
      });
      for (let i = 0; i < 4; i++) await publish({ event_name: 'stats.x', payload: { i } });
      const deliveries = await api.sql<{ id: string; tenant_id: string }>(
        `SELECT id, tenant_id FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY id`,
        [sub.id],
      );
      // Three delivered (one needed two attempts), one failed with a timeout.
      const attempt = (
        d: { id: string; tenant_id: string },
        n: number,
        ms: number,
        code: number | null,
        cls: string | null,
      ) =>
        api.sql(
          `INSERT INTO webhook_delivery_attempts (id, tenant_id, delivery_id, attempt_number, duration_ms, status_code, error_class) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6)`,
          [d.tenant_id, d.id, n, ms, code, cls],
        );
      await attempt(deliveries[0], 1, 10, 200, null);
      await attempt(deliveries[1], 1, 20, 200, null);
      await attempt(deliveries[2], 1, 30, 500, 'non_2xx');
      await attempt(deliveries[2], 2, 40, 200, null);
      await attempt(deliveries[3], 1, 1000, null, 'timeout');
      await api.sql(
        `UPDATE webhook_deliveries SET status = 'delivered', next_attempt_at = NULL, attempt_count = 1 WHERE id = ANY($1)`,
        [[deliveries[0].id, deliveries[1].id]],
      );
      await api.sql(
        `UPDATE webhook_deliveries SET status = 'delivered', next_attempt_at = NULL, attempt_count = 2 WHERE id = $1`,
        [deliveries[2].id],
      );
      await api.sql(
        `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, attempt_count = 1 WHERE id = $1`,
        [deliveries[3].id],
      );
      const res = await api.request('GET', `/api/v1/analytics/deliveries?subscription_id=${sub.id}`, {
        token: viewer.token,
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        {
          subscription_id: sub.id,
          app_name: 'stats',
          deliveries: 4,
          delivered: 3,
          failed: 1,
          in_flight: 0,
          success_rate: 0.75,
          latency_p50_ms: 30,
          // Read from the duration histogram (exact below 64 ms, 5% buckets above): percentile_cont over the
          // attempts would give 808, 40 + 0.8 * (1000 - 40); the histogram's 1,000 ms bucket stands for 1,008 ms.
          latency_p95_ms: 814,
          attempts_per_delivery: 1.25,
          top_error_classes: [
            { error_class: expect.any(String), count: 1 },
            { error_class: expect.any(String), count: 1 },
          ],
        },
      ]);
      expect(res.body.data[0].top_error_classes.map((e: { error_class: string }) => e.error_class).sort()).toEqual([
        'non_2xx',
        'timeout',
      ]);
      // Attempts are found by time for a window ending now and by delivery for an older one: both give the same
      // figures.
      await api.sql(
        `UPDATE webhook_deliveries SET created_at = created_at - interval '10 days' WHERE subscription_id = $1`,
        [sub.id],
      );
      const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000).toISOString();
      for (const [since, until] of [
        [11, 9],
        [11, 0],
      ]) {
        const window = `since=${daysAgo(since)}&until=${daysAgo(until)}`;
        const moved = await api.request('GET', `/api/v1/analytics/deliveries?subscription_id=${sub.id}&${window}`, {
          token: viewer.token,
        });
        expect(moved.body.data, window).toEqual(res.body.data);
      }
      const bad = await api.request(
        'GET',
        '/api/v1/analytics/deliveries?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z',
        { token: admin.token },
      );
      expect(bad.status).toBe(400);
    });
  });

  describe('input the API refuses or cleans up (4xx, nothing written)', () => {
    const sub = async (extra: Record<string, unknown> = {}) =>
      (
        await subscribe({
          app_name: 'hard',
          target_url: 'https://hard.example.test/h',
          event_types: ['hard.x'],
          ...extra,
        })
      ).body as {
        id: string;
        updated_at: string;
      };
    const patch = (id: string, body: unknown) =>
      api.request('PATCH', `/api/v1/subscriptions/${id}`, { token: admin.token, body });

    it("refuses to publish under Conduit's own sources (operational events, routed webhooks), writing nothing", async () => {
      const before = await api.sql<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events');
      for (const source of ['conduit', ' Conduit ', 'inbound:stripe', 'INBOUND:x']) {
        const res = await publish({ event_name: 'endpoint.disabled', source, payload: { endpoint_id: 'x' } });
        expect({ source, status: res.status, code: res.body.error?.code }).toEqual({
          source,
          status: 400,
          code: 'validation_failed',
        });
      }
      expect(await api.sql<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events')).toEqual(before);
      // Names that merely contain them are the client's own.
      for (const source of ['conduit-shop', 'my-inbound:x']) {
        expect((await publish({ event_name: 'order.created', source, payload: {} })).status).toBe(202);
      }
    });

    it('PATCH: null for a required field is 400; null clears the optional ones; an empty body is 400 and changes nothing', async () => {
      const s = await sub({ description: 'd', filter: { a: 1 }, rate_limit_per_second: 5, headers: { 'X-A': 'a' } });
      for (const field of [
        'app_name',
        'target_url',
        'event_types',
        'type',
        'payload_format',
        'retry_schedule',
        'is_active',
      ]) {
        const res = await patch(s.id, { [field]: null });
        expect({ field, status: res.status, code: res.body.error?.code }).toEqual({
          field,
          status: 400,
          code: 'validation_failed',
        });
      }
      const [before] = await api.sql('SELECT updated_at FROM webhook_subscriptions WHERE id = $1', [s.id]);
      const empty = await patch(s.id, {});
      expect(empty.status).toBe(400);
      const [after] = await api.sql('SELECT updated_at FROM webhook_subscriptions WHERE id = $1', [s.id]);
      expect(after.updated_at).toEqual(before.updated_at);
      const cleared = await patch(s.id, {
        description: null,
        filter: null,
        rate_limit_per_second: null,
        headers: null,
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ description: null, filter: null, rate_limit_per_second: null, headers: {} });
      const [row] = await api.sql('SELECT header_names, headers_sealed FROM webhook_subscriptions WHERE id = $1', [
        s.id,
      ]);
      expect(row).toEqual({ header_names: [], headers_sealed: null });
    });

    it('refuses header values a delivery could not send, hop-by-hop names and case-insensitive duplicates', async () => {
      const [{ n: before }] = await api.sql('SELECT count(*)::int AS n FROM webhook_subscriptions');
      const bad: Record<string, string>[] = [
        { 'X-A': 'a\r\nX-Injected: 1' },
        { 'X-A': 'a\nb' },
        { 'X-A': 'ünï' },
        { 'X-A': '😀' },
        { 'X-A': 'x'.repeat(4001) },
        { 'Proxy-Authorization': 'Basic x' },
        { Upgrade: 'websocket' },
        { 'Keep-Alive': '5' },
        { TE: 'trailers' },
        { Expect: '100-continue' },
        { 'X-A': '1', 'x-a': '2' },
      ];
      for (const headers of bad) {
        const res = await subscribe({
          app_name: 'h',
          target_url: 'https://h.example.test',
          event_types: ['h.x'],
          headers,
        });
        expect({ headers, status: res.status, code: res.body.error?.code }).toEqual({
          headers,
          status: 400,
          code: 'invalid_headers',
        });
      }
      const seed = await api.request('POST', '/api/webhooks/subscribe', {
        token: admin.token,
        body: {
          app_name: 'h',
          target_url: 'https://h.example.test',
          subscribed_event: 'h.x',
          headers: { 'X-A': 'a\r\nb' },
        },
      });
      expect(seed.status).toBe(400);
      const [{ n: after }] = await api.sql('SELECT count(*)::int AS n FROM webhook_subscriptions');
      expect(after).toBe(before);
      const s = await sub();
      expect((await patch(s.id, { headers: { 'X-A': 'a\r\nb' } })).body.error.code).toBe('invalid_headers');
    });

    it('takes Authorization as a sealed custom header on public subscriptions only, and credentials never in the URL', async () => {
      const withUrlCredentials = await subscribe({
        app_name: 'u',
        target_url: 'https://user:pa55word@example.test/h',
        event_types: ['u.x'],
      });
      expect(withUrlCredentials.status).toBe(400);
      expect(withUrlCredentials.body.error.code).toBe('invalid_target_url');
      expect(JSON.stringify(withUrlCredentials.body)).not.toContain('pa55word');
      const [{ n }] = await api.sql(
        `SELECT count(*)::int AS n FROM webhook_subscriptions WHERE target_url LIKE '%pa55word%'`,
      );
      expect(n).toBe(0);
      const pub = await subscribe({
        app_name: 'u',
        target_url: 'https://example.test/h',
        event_types: ['u.x'],
        headers: { Authorization: 'Basic dXNlcjpwYTU1d29yZA==' },
      });
      expect(pub.status).toBe(201);
      expect(pub.body.headers).toEqual({ Authorization: '••••' });
      const priv = await subscribe({
        app_name: 'u',
        target_url: 'https://example.test/h',
        event_types: ['u.x'],
        type: 'private',
        headers: { authorization: 'Basic x' },
      });
      expect(priv.body.error.code).toBe('invalid_headers');
      // Turning the public one private would clash with the bearer token Conduit sends.
      expect((await patch(pub.body.id, { type: 'private' })).body.error.code).toBe('invalid_headers');
      expect((await patch(pub.body.id, { target_url: 'https://a:b@example.test/h' })).body.error.code).toBe(
        'invalid_target_url',
      );
    });

    it('refuses malformed filters through the API, without library internals in the message', async () => {
      for (const filter of [
        { a: { $in: 5 } },
        { $eq: 1 },
        { a: { $exists: 'yes' } },
        { $and: 5 },
        { a: { $gt: { $gt: 1 } } },
      ]) {
        const res = await subscribe({
          app_name: 'f',
          target_url: 'https://f.example.test',
          event_types: ['f.x'],
          filter,
        });
        expect({ filter, status: res.status, code: res.body.error?.code }).toEqual({
          filter,
          status: 400,
          code: 'invalid_filter',
        });
        expect(res.body.error.message).not.toMatch(/is not a function/);
      }
    });

    it('the seed event endpoint honours the Idempotency-Key header; header and body keys must agree', async () => {
      const first = await api.request('POST', '/api/webhooks/event', {
        token: admin.token,
        body: { event_name: 'seed.idem', source: 's', payload: {} },
        headers: { 'Idempotency-Key': 'seed-h1' },
      });
      const again = await api.request('POST', '/api/webhooks/event', {
        token: admin.token,
        body: { event_name: 'seed.idem', source: 's', payload: {} },
        headers: { 'Idempotency-Key': 'seed-h1' },
      });
      expect(first.status).toBe(202);
      expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
      const clash = await publish({ event_name: 'seed.idem', payload: {}, idempotency_key: 'body-key' }, admin.token, {
        'Idempotency-Key': 'header-key',
      });
      expect(clash.status).toBe(400);
      const [{ n }] = await api.sql(
        `SELECT count(*)::int AS n FROM webhook_events WHERE idempotency_key IN ('body-key', 'header-key')`,
      );
      expect(n).toBe(0);
    });

    it('test events: the name follows the event-name rules; a disabled subscription answers 409', async () => {
      const s = await sub();
      const bad = await api.request('POST', `/api/v1/subscriptions/${s.id}/test`, {
        token: admin.token,
        body: { event_name: 'bad name!*' },
      });
      expect(bad.status).toBe(400);
      await patch(s.id, { is_active: false });
      const disabled = await api.request('POST', `/api/v1/subscriptions/${s.id}/test`, {
        token: admin.token,
        body: {},
      });
      expect(disabled.status).toBe(409);
      expect(disabled.body.error.code).toBe('subscription_disabled');
      const [{ n }] = await api.sql(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1`, [
        s.id,
      ]);
      expect(n).toBe(0);
    });

    it('retry and recover answer 409 when the subscription would not send, and recover takes only a past ISO timestamp', async () => {
      const s = await sub({ event_types: ['hard.retry'] });
      const { body: ev } = await publish({ event_name: 'hard.retry', payload: {} });
      const [delivery] = await api.sql<{ id: string }>(
        `SELECT id FROM webhook_deliveries WHERE event_id = $1 AND subscription_id = $2`,
        [ev.id, s.id],
      );
      await api.sql(`UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL WHERE id = $1`, [
        delivery.id,
      ]);
      for (const since of [
        -8640000000000000,
        true,
        5,
        '0',
        '5',
        '+275760-09-13T00:00:00Z',
        new Date(Date.now() + 3600_000).toISOString(),
      ]) {
        const res = await api.request('POST', `/api/v1/subscriptions/${s.id}/recover`, {
          token: admin.token,
          body: { since },
        });
        expect({ since, status: res.status }).toEqual({ since, status: 400 });
      }
      await patch(s.id, { is_active: false });
      const retryDisabled = await api.request('POST', `/api/v1/deliveries/${delivery.id}/retry`, {
        token: admin.token,
      });
      expect([retryDisabled.status, retryDisabled.body.error.code]).toEqual([409, 'subscription_disabled']);
      const recoverDisabled = await api.request('POST', `/api/v1/subscriptions/${s.id}/recover`, {
        token: admin.token,
        body: { since: '2026-01-01T00:00:00Z' },
      });
      expect([recoverDisabled.status, recoverDisabled.body.error.code]).toEqual([409, 'subscription_disabled']);
      await api.request('DELETE', `/api/v1/subscriptions/${s.id}`, { token: admin.token });
      const retryDeleted = await api.request('POST', `/api/v1/deliveries/${delivery.id}/retry`, { token: admin.token });
      expect([retryDeleted.status, retryDeleted.body.error.code]).toEqual([409, 'subscription_deleted']);
      const [row] = await api.sql(`SELECT status FROM webhook_deliveries WHERE id = $1`, [delivery.id]);
      expect(row.status).toBe('failed');
    });

    it('actions without a body refuse one; lists refuse reversed windows and unknown parameters', async () => {
      const s = await sub();
      expect(
        (
          await api.request('POST', `/api/v1/subscriptions/${s.id}/rotate-secret`, {
            token: admin.token,
            body: { grace_seconds: 5 },
          })
        ).status,
      ).toBe(400);
      for (const path of ['/api/v1/events', '/api/v1/deliveries']) {
        const res = await api.request('GET', `${path}?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z`, {
          token: admin.token,
        });
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect((await api.request('GET', `${path}?since=5`, { token: admin.token })).status).toBe(400);
      }
      // The canonical list acts through X-Tenant-Id; only the seed list takes tenant_id (an id or a code).
      expect(
        (await api.request('GET', `/api/v1/subscriptions?tenant_id=${t.globex.id}`, { token: admin.token })).status,
      ).toBe(400);
      expect((await api.request('GET', `/api/webhooks?tenant_id=acme`, { token: msspAdmin.token })).status).toBe(200);
    });

    it("audits a seed subscribe made in a child tenant in that tenant's trail", async () => {
      const res = await api.request('POST', '/api/webhooks/subscribe', {
        token: msspAdmin.token,
        body: {
          tenant_id: 'acme',
          app_name: 'audited-in-acme',
          target_url: 'https://m.example.test',
          subscribed_event: 'a.b',
        },
      });
      expect(res.status).toBe(201);
      const rows = await api.sql<{ tenant_id: string; metadata: unknown }>(
        `SELECT tenant_id, metadata FROM audit_events WHERE action = 'subscription.create' AND target_id = $1`,
        [res.body.id],
      );
      expect(rows).toEqual([{ tenant_id: t.acme.id, metadata: { home_tenant_id: t.mssp.id } }]);
    });

    it('documents Idempotency-Key once (optional) on both publish routes, and 204 on delete', async () => {
      const { body: doc } = await api.request('GET', '/docs-json');
      for (const path of ['/api/v1/events', '/api/webhooks/event']) {
        const params = (doc.paths[path].post.parameters ?? []).filter(
          (p: { in: string; name: string }) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key',
        );
        expect({ path, params: params.map((p: { required?: boolean }) => p.required ?? false) }).toEqual({
          path,
          params: [false],
        });
      }
      expect(doc.paths['/api/v1/subscriptions/{id}'].delete.responses['204']).toBeDefined();
    });
  });
});
