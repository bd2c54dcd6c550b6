// No instance secret in the logs: the production entry point (apps/api/src/main.ts, JSON logs at debug) creates an
// instance with a secret field and credentials, refuses bad ones and a move to another host, and none of the secrets
// reaches its output.
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { redisOptionsFromUrl } from '@conduit/queues';
import { ApiProcess, startApiProcess } from '../support/api-process';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { deleteRedisPrefix } from '../support/test-worker';

describe('instance secrets stay out of the logs', () => {
  const adminEmail = 'instances-logs-admin@example.test';
  const adminPassword = `Adm1n-${randomBytes(12).toString('hex')}`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `conduit-instances-logs-${randomBytes(4).toString('hex')}`;
  const secrets = {
    fieldSecret: `field-${randomBytes(10).toString('hex')}`,
    password: `pw-${randomBytes(10).toString('hex')}`,
    newPassword: `pw2-${randomBytes(10).toString('hex')}`,
  };
  let db: TestDatabase;
  let api: ApiProcess;
  const statuses: number[] = [];
  let output = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startApiProcess({
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      LOG_LEVEL: 'debug',
      MIGRATE_ON_START: 'true',
      CONDUIT_ADMIN_EMAIL: adminEmail,
      CONDUIT_ADMIN_PASSWORD: adminPassword,
    });
    try {
      await api.live();
      const call = async (method: string, path: string, body: unknown, token?: string) => {
        const res = await fetch(`${api.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const token = (await call('POST', '/api/v1/auth/login', { email: adminEmail, password: adminPassword })).body
        .access_token as string;
      const integration = await call(
        'POST',
        '/api/v1/integrations',
        { title: 'EDR', fields: [{ name: 'api_token', label: 'Token', type: 'secret', required: true }] },
        token,
      );
      statuses.push(integration.status);
      const body = (extra: Record<string, unknown> = {}) => ({
        integration_uuid: integration.body.id,
        title: 'Logged',
        base_url: 'https://edr.example.com',
        fields: { api_token: secrets.fieldSecret },
        auth: { type: 'basic', username: 'svc', password: secrets.password },
        ...extra,
      });
      const made = await call('POST', '/api/v1/instances', body(), token);
      statuses.push(made.status);
      statuses.push((await call('POST', '/api/v1/instances', body({ base_url: 'ftp://x' }), token)).status);
      statuses.push(
        (await call('POST', '/api/v1/instances', body({ fields: { nope: secrets.fieldSecret } }), token)).status,
      );
      statuses.push(
        (
          await call(
            'PATCH',
            `/api/v1/instances/${made.body.id}`,
            { base_url: 'https://evil.example.net', auth: { password: secrets.newPassword } },
            token,
          )
        ).status,
      );
      // The lines are written asynchronously: wait for the last request's (the PATCH's) before stopping.
      const deadline = Date.now() + 10_000;
      while (!api.output().includes(`/api/v1/instances/${made.body.id}`) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      await api.stop();
      output = api.output();
    }
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    const redis = new IORedis(redisOptionsFromUrl(redisUrl));
    await deleteRedisPrefix(redis, redisPrefix).finally(() => redis.disconnect());
    await db?.drop();
  });

  it('created the instance and refused the bad requests', () => {
    expect(statuses).toEqual([201, 201, 400, 400, 400]);
  });

  it('logged the requests, and no secret of them', () => {
    expect(output).toContain('/api/v1/instances');
    expect(output).toMatch(/\/api\/v1\/instances\/[0-9a-f-]{36}/);
    for (const [name, secret] of Object.entries(secrets))
      expect(output.includes(secret), `the output holds ${name}`).toBe(false);
  });
});
