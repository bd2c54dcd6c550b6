// The README's quick start: `npm start` on an empty data directory runs embedded PostgreSQL, migrates, creates the
// first admin (printed once), serves the API with the worker in the same process, and keeps its data across restarts.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { redisOptionsFromUrl } from '@conduit/queues';
import { freePort, startProcess } from '../support/processes';
import { deleteRedisPrefix } from '../support/test-worker';

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'conduit-start-'));
  const redisPrefix = `conduit-start-${process.pid}`;
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    const redis = new IORedis(redisOptionsFromUrl(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'));
    await deleteRedisPrefix(redis, redisPrefix).finally(() => redis.disconnect());
  });

  it('starts on an empty data directory, answers /health/ready, and survives a restart', async () => {
    const env = {
      CONDUIT_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      REDIS_PREFIX: redisPrefix,
      DATABASE_URL: '',
      CONDUIT_MASTER_KEY: '',
      LOG_LEVEL: 'warn',
    };
    const base = `http://127.0.0.1:${env.PORT}`;

    const first = startProcess('npm', ['start', '--silent'], env);
    try {
      const [, email, password] = await first.waitForOutput(/email:\s+(\S+)\s+password:\s+(\S+)/, 150_000);
      await first.waitForOutput(/Conduit is running/, 60_000);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'up' } },
      });
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      expect(login.status).toBe(200);
      expect((statSync(join(dataDir, 'master.key')).mode & 0o777).toString(8)).toBe('600');
      await first.stop('SIGTERM');
      // A clean stop closes the port and shuts PostgreSQL down (its pid file goes away).
      await waitUntil(async () => !existsSync(join(dataDir, 'pg', 'postmaster.pid')));
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();
      expect(first.output()).toMatch(/SIGTERM: shutting down/);

      const second = startProcess('npm', ['start', '--silent'], env);
      try {
        await second.waitForOutput(/Conduit is running/, 90_000);
        expect(second.output()).not.toMatch(/platform admin created/);
        const again = await fetch(`${base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password }),
        });
        expect(again.status).toBe(200);
      } finally {
        await second.stop('SIGTERM');
      }
    } finally {
      await first.stop('SIGKILL').catch(() => undefined);
    }
  }, 300_000);

  it('fails at once with a helpful message when Redis does not answer', async () => {
    const proc = startProcess('npm', ['start', '--silent'], {
      CONDUIT_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      PORT: String(await freePort()),
      REDIS_URL: 'redis://127.0.0.1:1',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    const code = await proc.waitForExit(30_000);
    expect(code).not.toBe(0);
    expect(proc.output()).toMatch(/Redis did not answer at 127\.0\.0\.1:1.*REDIS_URL/s);
  });
});
