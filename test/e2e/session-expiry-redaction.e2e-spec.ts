// The seed's GET /updateUserSessionExpiretime/{accesstoken}/{exiprytime}/ carries an access token in its path: the
// production entry point (apps/api/src/main.ts, JSON logs on stdout) must never write it, its metrics label the route
// pattern, and the audit rows name the session, never the token (issue 16, docs/sessions.md).
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { redisOptionsFromUrl } from '@conduit/queues';
import { freePort } from '../support/processes';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { TEST_MASTER_KEY } from '../support/test-config';
import { deleteRedisPrefix } from '../support/test-worker';

const ROOT = resolve(__dirname, '../..');

describe('the session-expiry path keeps its token out of logs, metrics and audit', () => {
  const adminEmail = 'expiry-admin@example.test';
  const adminPassword = `Adm1n-${randomBytes(12).toString('hex')}`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `conduit-expiry-logs-${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  let token = '';
  let metrics = '';
  const statuses: number[] = [];
  let audit: Record<string, unknown>[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: db.url,
        CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: redisPrefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        CONDUIT_ADMIN_EMAIL: adminEmail,
        CONDUIT_ADMIN_PASSWORD: adminPassword,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((done) => child.once('exit', done));
    try {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const live = await fetch(`${baseUrl}/health/live`).then(
          (r) => r.ok,
          () => false,
        );
        if (live) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: adminEmail, password: adminPassword }),
      });
      expect(login.status).toBe(200);
      token = ((await login.json()) as { access_token: string }).access_token;
      // Accepted, refused for its expiry, refused for a forged token, and an odd spelling of the path.
      for (const path of [
        `/updateUserSessionExpiretime/${token}/3600/`,
        `/updateUserSessionExpiretime/${token}/never/`,
        `/updateUserSessionExpiretime/${token.slice(0, -4)}AAAA/3600/`,
        `/updateUserSessionExpiretime%2F${token}%2F3600/`,
      ])
        statuses.push((await fetch(`${baseUrl}${path}`)).status);
      metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      const client = new Client({ connectionString: db.url });
      await client.connect();
      audit = (await client.query(`SELECT * FROM audit_events`)).rows as Record<string, unknown>[];
      await client.end();
    } finally {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    const redis = new IORedis(redisOptionsFromUrl(redisUrl));
    await deleteRedisPrefix(redis, redisPrefix).finally(() => redis.disconnect());
    await db.drop();
  });

  it('answered the requests it was sent', () => {
    expect(statuses.slice(0, 3)).toEqual([200, 400, 401]);
    expect(statuses[3]).toBeGreaterThanOrEqual(400);
  });

  it('never writes the token (nor its signature) to stdout or stderr, and logs the masked path', () => {
    const signature = token.split('.')[2];
    expect(signature.length).toBeGreaterThan(20);
    for (const secret of [token, signature]) {
      expect(stdout.includes(secret), 'stdout leaks the token').toBe(false);
      expect(stderr.includes(secret), 'stderr leaks the token').toBe(false);
    }
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { req?: { url?: string } });
    const urls = lines.map((l) => l.req?.url).filter((u) => u?.toLowerCase().includes('updateusersessionexpiretime'));
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) expect(url).toBe('/updateUserSessionExpiretime/[REDACTED]');
  });

  it('labels its metrics with the route pattern', () => {
    expect(metrics).toContain('route="/updateUserSessionExpiretime/*"');
    expect(metrics.includes(token.split('.')[2])).toBe(false);
  });

  it('audits the change with the session id, never the token', () => {
    const set = audit.filter((a) => a.action === 'auth.session.expiry_set');
    expect(set).toHaveLength(1);
    expect(set[0].target_type).toBe('Session');
    const everything = JSON.stringify(audit);
    expect(everything.includes(token)).toBe(false);
    expect(everything.includes(token.split('.')[2])).toBe(false);
  });
});
