import { TestApi, startTestApi } from '../support/test-api';

describe('smoke', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('serves health and logs in', async () => {
    const live = await api.request('GET', '/health/live');
    expect(live.status).toBe(200);
    const ready = await api.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    await api.seedTenant('acme');
    const admin = await api.seedUser('acme', 'tenant_admin');
    const me = await api.request('GET', '/api/v1/auth/me', { token: admin.token });
    expect(me.status).toBe(200);
    expect(me.body.tenant.code).toBe('acme');
  });
});
