// Targets the outbound policy refuses (issue 13, point 1): a literal address is refused where it is entered, naming the
// setting that would allow it; a name is judged when sending. Loopback and private networks are NOT allowed here.
import { TestApi, startTestApi } from '../support/test-api';
import { WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

describe('outbound targets', () => {
  let api: TestApi;
  let receiver: WebhookReceiver;
  let admin: { token: string };

  beforeAll(async () => {
    api = await startTestApi({ OUTBOUND_ALLOW_LOOPBACK: 'false', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' });
    receiver = await startWebhookReceiver();
    await api.seedTenant('acme');
    admin = await api.seedUser('acme', 'tenant_admin');
  });
  afterAll(async () => {
    await receiver?.close();
    await api?.close();
  });

  const subscribe = (target_url: string) =>
    api.request('POST', '/api/v1/subscriptions', {
      token: admin.token,
      body: { app_name: 'local', target_url, event_types: ['order.created'] },
    });
  const subscriptionCount = async () =>
    Number((await api.sql('SELECT count(*)::int AS n FROM webhook_subscriptions'))[0].n);

  it('refuses a literal loopback, private, link-local or metadata target with 400 target_not_allowed', async () => {
    const before = await subscriptionCount();
    const cases: [string, RegExp][] = [
      [receiver.url('/hook'), /127\.0\.0\.1 is a loopback address, refused unless OUTBOUND_ALLOW_LOOPBACK=true/],
      ['http://localhost:4000/hook', /localhost is a loopback address, refused unless OUTBOUND_ALLOW_LOOPBACK=true/],
      ['http://[::1]:4000/hook', /::1 is a loopback address, refused unless OUTBOUND_ALLOW_LOOPBACK=true/],
      ['https://192.168.1.20/in', /private network address, refused unless OUTBOUND_ALLOW_PRIVATE_NETWORKS=true/],
      ['https://10.0.0.5/in', /refused unless OUTBOUND_ALLOW_PRIVATE_NETWORKS=true/],
      ['http://169.254.10.1/', /link-local address, refused unless OUTBOUND_ALLOW_PRIVATE_NETWORKS=true/],
      ['http://169.254.169.254/latest/meta-data/', /cloud metadata address, which is always refused/],
    ];
    for (const [url, message] of cases) {
      const res = await subscribe(url);
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({
        url,
        status: 400,
        code: 'target_not_allowed',
      });
      expect(res.body.error.message).toMatch(message);
      expect(res.body.error.details).toEqual([{ field: 'target_url', message: expect.stringMatching(message) }]);
    }
    expect(await subscriptionCount()).toBe(before);
  });

  it('refuses one on update and through the seed endpoint too', async () => {
    const created = await subscribe('https://hooks.example.test/in');
    expect(created.status).toBe(201);
    const patched = await api.request('PATCH', `/api/v1/subscriptions/${created.body.id}`, {
      token: admin.token,
      body: { target_url: 'http://127.0.0.1:4000/hook' },
    });
    expect([patched.status, patched.body.error?.code]).toEqual([400, 'target_not_allowed']);
    const [row] = await api.sql('SELECT target_url FROM webhook_subscriptions WHERE id = $1', [created.body.id]);
    expect(row.target_url).toBe('https://hooks.example.test/in');
    const seed = await api.request('POST', '/api/webhooks/subscribe', {
      token: admin.token,
      body: { app_name: 'seed', target_url: 'http://10.1.2.3/h', subscribed_event: 'a.b', type: 'public' },
    });
    expect([seed.status, seed.body.error?.code]).toEqual([400, 'target_not_allowed']);
  });

  it('leaves names to be judged when sending: a refused address then fails the attempt with ssrf_blocked', async () => {
    // A name is accepted: only resolving it can tell where it leads.
    const created = await subscribe('https://hooks.example.test/in');
    expect(created.status).toBe(201);
    // A target the policy refuses when sending (here stored before the policy refused it).
    await api.sql('UPDATE webhook_subscriptions SET target_url = $2 WHERE id = $1', [
      created.body.id,
      receiver.url('/hook'),
    ]);
    const res = await api.request('POST', `/api/v1/subscriptions/${created.body.id}/test`, {
      token: admin.token,
      body: {},
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'failed', status_code: null, error_class: 'ssrf_blocked' });
    expect(res.body.error_message).toMatch(/refused unless OUTBOUND_ALLOW_LOOPBACK=true/);
    expect(receiver.requests).toHaveLength(0);
  });
});
