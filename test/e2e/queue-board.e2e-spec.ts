// The queue dashboard (bull-board) at /admin/queues: platform admins only, by bearer token or a browser session
// cookie that is authenticated like the token itself (expiry, revocation).
import { TestApi, startTestApi } from '../support/test-api';

describe('queue dashboard', () => {
  let api: TestApi;
  let platform: { token: string; refresh: string };
  let tenantAdmin: { token: string };
  let mssp: { token: string };

  beforeAll(async () => {
    api = await startTestApi();
    await api.seedTenant('root');
    await api.seedTenant('acme', 'root');
    platform = await api.seedUser('root', 'platform_admin');
    mssp = await api.seedUser('root', 'mssp_admin', 'mssp.root@example.test');
    tenantAdmin = await api.seedUser('acme', 'tenant_admin');
  });
  afterAll(() => api.close());

  const cookieOf = (setCookie: string | null) => /conduit_queue_board=([^;]*)/.exec(setCookie ?? '')?.[1];

  it('refuses anonymous callers and anyone below platform admin, on the page, static files and the JSON API alike', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/favicon-32x32.png']) {
      const anonymous = await api.request('GET', path);
      expect({ path, status: anonymous.status, code: anonymous.body?.error?.code }).toEqual({
        path,
        status: 401,
        code: 'unauthenticated',
      });
      expect(anonymous.body.error.message).toContain('/api/v1/queue-board/session');
      for (const user of [tenantAdmin, mssp]) {
        const res = await api.request('GET', path, { token: user.token });
        expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({
          path,
          status: 403,
          code: 'forbidden',
        });
      }
    }
    const forged = await api.request('GET', '/admin/queues/api/queues', {
      headers: { cookie: 'conduit_queue_board=not.a.token' },
    });
    expect(forged.status).toBe(401);
    const session = await api.request('POST', '/api/v1/queue-board/session', { token: tenantAdmin.token });
    expect(session.status).toBe(403);
    expect(session.headers.get('set-cookie')).toBeNull();
  });

  it('serves the board to a platform admin with a bearer token: every queue with its counts', async () => {
    const page = await api.request('GET', '/admin/queues', { token: platform.token });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/admin/queues');
    // Its scripts and styles come from the same path, under the same rule, and helmet's policy lets them load.
    expect(page.text).toContain('<base href="/admin/queues/"');
    const asset = `/admin/queues/${/src="(static\/js\/main\.[^"]+\.js)"/.exec(page.text)?.[1]}`;
    expect((await api.request('GET', asset, { token: platform.token })).status).toBe(200);
    expect((await api.request('GET', asset)).status).toBe(401);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const queues = await api.request('GET', '/admin/queues/api/queues', { token: platform.token });
    expect(queues.status).toBe(200);
    const names = (queues.body.queues as { name: string; counts: Record<string, number> }[]).map((q) => q.name).sort();
    expect(names).toEqual(['chain-steps', 'deliveries', 'ingestion', 'maintenance', 'tasks']);
  });

  it('opens a browser session as an HttpOnly, SameSite=Strict cookie for /admin/queues that logout ends', async () => {
    const fresh = await api.login('platform_admin.root@example.test', 'correct-horse-battery-staple');
    const opened = await api.request('POST', '/api/v1/queue-board/session', { token: fresh.access_token });
    expect(opened.status).toBe(200);
    expect(opened.body.url).toBe('/admin/queues');
    expect(Date.parse(opened.body.expires_at)).toBeGreaterThan(Date.now());
    const setCookie = opened.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/Path=\/admin\/queues/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = `conduit_queue_board=${cookieOf(setCookie)}`;
    const withCookie = await api.request('GET', '/admin/queues/api/queues', { headers: { cookie } });
    expect(withCookie.status).toBe(200);
    // An action through the board: pausing and resuming a queue (PUT) also passes with the session.
    expect((await api.request('PUT', '/admin/queues/api/queues/tasks/pause', { headers: { cookie } })).status).toBe(
      200,
    );
    expect((await api.request('PUT', '/admin/queues/api/queues/tasks/resume', { headers: { cookie } })).status).toBe(
      200,
    );
    // The session is the token: logging out revokes it, and the board refuses the cookie from then on.
    expect(
      (
        await api.request('POST', '/api/v1/auth/logout', {
          token: fresh.access_token,
          body: { refresh_token: fresh.refresh_token },
        })
      ).status,
    ).toBeLessThan(300);
    const afterLogout = await api.request('GET', '/admin/queues/api/queues', { headers: { cookie } });
    expect(afterLogout.status).toBe(401);
    // Closing the session clears the cookie.
    const closed = await api.request('DELETE', '/api/v1/queue-board/session', { token: platform.token });
    expect(closed.status).toBe(204);
    expect(closed.headers.get('set-cookie')).toMatch(/conduit_queue_board=; Path=\/admin\/queues; Max-Age=0/);
  });

  it('records who opened and closed sessions in the audit trail, and documents the session route', async () => {
    const rows = await api.sql(
      `SELECT action, outcome FROM audit_events WHERE action LIKE 'queue_board.%' ORDER BY created_at`,
    );
    expect(rows).toEqual([
      { action: 'queue_board.open', outcome: 'success' },
      { action: 'queue_board.close', outcome: 'success' },
    ]);
    const doc = (await api.request('GET', '/docs-json')).body;
    expect(doc.paths['/api/v1/queue-board/session'].post).toBeDefined();
  });
});
