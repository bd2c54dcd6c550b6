// Bad input gets a 400 with the DESIGN.md error body and writes nothing; mutations leave an audit trail.
import { TestApi, startTestApi } from '../support/test-api';

describe('input validation and audit trail', () => {
  let api: TestApi;
  let admin: { id: string; email: string; token: string };
  let tenantId: string;

  beforeAll(async () => {
    api = await startTestApi();
    tenantId = (await api.seedTenant('acme')).id;
    admin = await api.seedUser('acme', 'tenant_admin');
  });
  afterAll(() => api.close());

  const counts = async () => {
    const [row] =
      await api.sql(`SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM memberships)::int AS memberships,
      (SELECT count(*) FROM tenants)::int AS tenants, (SELECT count(*) FROM api_keys)::int AS api_keys`);
    return row;
  };

  it.each([
    ['bad JSON', { rawBody: '{"email": "x@y.test", "password": ' }, 'invalid_json'],
    [
      'unknown field',
      { body: { email: 'u1@acme.test', password: 'correct-horse-battery', role: 'viewer', is_admin: true } },
      'validation_failed',
    ],
    ['wrong type', { body: { email: 'u2@acme.test', password: 12345678901234, role: 'viewer' } }, 'validation_failed'],
    [
      'bad enum',
      { body: { email: 'u3@acme.test', password: 'correct-horse-battery', role: 'god' } },
      'validation_failed',
    ],
    ['missing field', { body: { email: 'u4@acme.test', role: 'viewer' } }, 'validation_failed'],
    ['array body', { body: [{ email: 'u5@acme.test' }] }, 'validation_failed'],
  ])('POST /users with %s is a 400 %s and writes nothing', async (_name, input, code) => {
    const before = await counts();
    const res = await api.request('POST', '/api/v1/users', { token: admin.token, ...input });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code, message: expect.any(String), details: expect.any(Array) },
      request_id: res.headers.get('x-request-id'),
    });
    expect(await counts()).toEqual(before);
  });

  it('names the offending fields in details', async () => {
    await api.operator.ensurePlatformAdmin('root@platform.test', 'correct-horse-battery-staple');
    const root = await api.login('root@platform.test', 'correct-horse-battery-staple');
    const res = await api.request('POST', '/api/v1/tenants', {
      token: root.access_token,
      body: { code: 'BAD CODE', name: 7, extra: 1 },
    });
    expect(res.status).toBe(400);
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['code', 'name', 'extra']));
  });

  it('rejects bad query parameters and ids without a 500', async () => {
    expect((await api.request('GET', '/api/v1/users?limit=0', { token: admin.token })).status).toBe(400);
    expect((await api.request('GET', '/api/v1/users?limit=abc', { token: admin.token })).status).toBe(400);
    // A limit is plain decimal digits on every list: hex and exponents are not numbers here.
    for (const path of [
      '/api/v1/users',
      '/api/v1/events',
      '/api/v1/sources',
      '/api/v1/chains',
      '/api/v1/audit-events',
    ]) {
      for (const limit of ['0x10', '1e2', '201']) {
        const res = await api.request('GET', `${path}?limit=${limit}`, { token: admin.token });
        expect({ path, limit, status: res.status }).toEqual({ path, limit, status: 400 });
      }
      expect((await api.request('GET', `${path}?limit=2`, { token: admin.token })).status).toBe(200);
    }
    expect((await api.request('GET', '/api/v1/users?color=red', { token: admin.token })).status).toBe(400);
    expect((await api.request('GET', '/api/v1/users/not-a-uuid', { token: admin.token })).status).toBe(404);
    expect((await api.request('GET', '/api/v1/api-keys/not-a-uuid', { token: admin.token })).status).toBe(404);
    expect((await api.request('GET', '/api/v1/audit-events?since=yesterday', { token: admin.token })).status).toBe(400);
  });

  it('audits every mutating request with actor, target, ip, request id and masked changes', async () => {
    const res = await api.request('POST', '/api/v1/users', {
      token: admin.token,
      headers: { 'x-request-id': 'audit-test-0001' },
      body: { email: 'audited@acme.test', password: 'correct-horse-battery', role: 'viewer', display_name: 'Audited' },
    });
    expect(res.status).toBe(201);
    const audit = await api.request('GET', `/api/v1/audit-events?action=user.create&target_id=${res.body.id}`, {
      token: admin.token,
    });
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({
      tenant_id: tenantId,
      actor_type: 'user',
      actor_id: admin.id,
      actor_label: admin.email,
      action: 'user.create',
      target_type: 'User',
      target_id: res.body.id,
      outcome: 'success',
      status_code: 201,
      ip: '127.0.0.1',
      request_id: 'audit-test-0001',
      changes: { email: 'audited@acme.test', role: 'viewer', display_name: 'Audited', password: '[REDACTED]' },
    });
    expect(JSON.stringify(audit.body)).not.toContain('correct-horse-battery');
  });

  it('audits failed and refused mutations too (after rolling the change back)', async () => {
    const dup = await api.request('POST', '/api/v1/users', {
      token: admin.token,
      body: { email: admin.email, password: 'correct-horse-battery', role: 'viewer' },
    });
    expect(dup.status).toBe(409);
    const viewer = await api.seedUser('acme', 'viewer');
    const denied = await api.request('POST', '/api/v1/users', {
      token: viewer.token,
      body: { email: 'v@acme.test', password: 'correct-horse-battery', role: 'viewer' },
    });
    expect(denied.status).toBe(403);
    const rows = await api.sql(
      `SELECT action, outcome, status_code, actor_id FROM audit_events WHERE tenant_id = $1 ORDER BY created_at`,
      [tenantId],
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'user.create', outcome: 'failure', status_code: 409, actor_id: admin.id }),
        expect.objectContaining({ action: 'user.create', outcome: 'denied', status_code: 403, actor_id: viewer.id }),
      ]),
    );
  });

  it('filters and pages the audit trail', async () => {
    const page1 = await api.request('GET', '/api/v1/audit-events?limit=2', { token: admin.token });
    expect(page1.body.data).toHaveLength(2);
    const page2 = await api.request('GET', `/api/v1/audit-events?limit=2&cursor=${page1.body.next_cursor}`, {
      token: admin.token,
    });
    expect(page2.body.data[0].id).not.toBe(page1.body.data[1].id);
    const since = await api.request(
      'GET',
      `/api/v1/audit-events?since=${new Date(Date.now() + 60_000).toISOString()}`,
      { token: admin.token },
    );
    expect(since.body.data).toEqual([]);
    const outcome = await api.request('GET', '/api/v1/audit-events?outcome=denied', { token: admin.token });
    expect(outcome.body.data.every((e: { outcome: string }) => e.outcome === 'denied')).toBe(true);
  });

  it('audit rows cannot be changed or removed, even by the owner role', async () => {
    await expect(api.sql(`UPDATE audit_events SET action = 'tampered'`)).rejects.toThrow(/append-only/);
    await expect(api.sql(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
  });

  it('keeps viewers and analysts out of the audit trail', async () => {
    const analyst = await api.seedUser('acme', 'analyst');
    expect((await api.request('GET', '/api/v1/audit-events', { token: analyst.token })).status).toBe(403);
  });
});
