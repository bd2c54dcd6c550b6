// The README's quick start: `npm start` on an empty data directory runs embedded PostgreSQL, migrates, creates the
// first admin (printed once, in a banner after the start-up logs), serves the API with the worker in the same
// process, keeps its data across restarts, and stops everything however it is stopped (Ctrl-C, SIGTERM to npm or
// to node). One data directory for the whole file: only the first start pays for initdb.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { redisOptionsFromUrl } from '@conduit/queues';
import { RunningProcess, freePort, processGroup, startProcess } from '../support/processes';
import { deleteRedisPrefix } from '../support/test-worker';

async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'conduit-start-'));
  const redisPrefix = `conduit-start-${process.pid}`;
  let env: Record<string, string>;
  let base: string;
  let admin: { email: string; password: string } | undefined;

  beforeAll(async () => {
    env = {
      CONDUIT_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      REDIS_PREFIX: redisPrefix,
      DATABASE_URL: '',
      CONDUIT_MASTER_KEY: '',
      OUTBOUND_ALLOW_LOOPBACK: '',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: '',
      LOG_LEVEL: 'warn',
    };
    base = `http://127.0.0.1:${env.PORT}`;
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    const redis = new IORedis(redisOptionsFromUrl(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'));
    await deleteRedisPrefix(redis, redisPrefix).finally(() => redis.disconnect());
  });

  /** `npm start` up to its banner (the last thing it prints once it serves). */
  async function start(extraEnv: Record<string, string> = {}, timeoutMs = 90_000): Promise<RunningProcess> {
    const proc = startProcess('npm', ['start'], { ...env, ...extraEnv });
    try {
      await proc.waitForOutput(/Stop with Ctrl-C\./, timeoutMs);
    } catch (err) {
      await proc.stop('SIGKILL').catch(() => undefined);
      throw err;
    }
    return proc;
  }

  /** Nothing of it is left: no process of its group (npm, sh, node, postgres), no listener, PostgreSQL shut down. */
  async function expectStopped(proc: RunningProcess): Promise<void> {
    const group = proc.child.pid as number;
    try {
      await waitUntil(() => processGroup(group).length === 0, 'every process of `npm start` gone');
    } finally {
      for (const { pid } of processGroup(group)) process.kill(pid, 'SIGKILL');
    }
    // PostgreSQL removes its pid file when it shuts down cleanly (a kill would leave it).
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  }

  it('starts on an empty data directory: logs first, then one banner with the admin and the outbound policy', async () => {
    const proc = await start({ LOG_LEVEL: 'info' }, 150_000);
    try {
      const out = proc.output();
      const [, email, password] = out.match(/email:\s+(\S+)\s+password:\s+(\S+)/) ?? [];
      admin = { email, password };
      expect(email).toBe('admin@conduit.local');
      // The banner comes after the start-up logs of both apps (the API's routes included), in one piece.
      const banner = out.slice(out.indexOf('Conduit is running'), out.indexOf('Stop with Ctrl-C.'));
      const logs = out.slice(0, out.indexOf('Conduit is running'));
      expect(logs.match(/Nest application successfully started/g)).toHaveLength(2);
      expect(logs).toMatch(/Mapped \{\/health\/ready, GET\} route/);
      expect(banner).not.toContain('{"level"');
      expect(banner).toMatch(/Conduit platform admin created/);
      // The outbound policy and how to reach a receiver on this machine.
      expect(banner).toMatch(/OUTBOUND_ALLOW_LOOPBACK=false OUTBOUND_ALLOW_PRIVATE_NETWORKS=false/);
      expect(banner).toMatch(/OUTBOUND_ALLOW_LOOPBACK=true npm start/);
      // Two Nest apps in one process, each with its own data source: @nestjs/typeorm's warning is a false alarm.
      expect(out).not.toMatch(/already registered/);

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

      // Requests are logged the API's way (one process, one logger): with request ids, a receive URL's key masked.
      const key = 'npmstartsecretkey0123456789';
      const probe = await fetch(`${base}/api/v1/webhook/github/${key}`);
      const requestId = probe.headers.get('x-request-id') as string;
      await proc.waitForOutput(new RegExp(`"request_id":"${requestId}"`), 10_000);
      expect(proc.output()).not.toContain(key);

      // Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
      await proc.stop('SIGINT');
      await expectStopped(proc);
      expect(proc.output()).toMatch(/SIGINT: shutting down/);
    } finally {
      await proc.stop('SIGKILL').catch(() => undefined);
    }
  }, 240_000);

  it('stops everything on SIGTERM to the npm process alone, which does not pass it on to node', async () => {
    const proc = await start();
    try {
      expect(proc.output()).not.toMatch(/platform admin created/);
      process.kill(proc.child.pid as number, 'SIGTERM');
      await proc.waitForExit(30_000);
      await expectStopped(proc);
      // npm forwards the signal to the `sh -c` it runs the script in; where sh execs node, node gets it directly.
      expect(proc.output()).toMatch(/(npm exited|SIGTERM): shutting down/);
    } finally {
      await proc.stop('SIGKILL').catch(() => undefined);
    }
  }, 120_000);

  it('stops everything on SIGTERM to the node process, and keeps its data across restarts', async () => {
    const proc = await start();
    try {
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(admin),
      });
      expect(login.status).toBe(200);
      const [node] = processGroup(proc.child.pid as number).filter((p) => /^\S*node .*src\/dev\.ts/.test(p.command));
      process.kill(node.pid, 'SIGTERM');
      expect(await proc.waitForExit(30_000)).toBe(0);
      await expectStopped(proc);
      expect(proc.output()).toMatch(/SIGTERM: shutting down/);
    } finally {
      await proc.stop('SIGKILL').catch(() => undefined);
    }
  }, 120_000);

  it('fails at once with a helpful message when Redis does not answer, and stops the PostgreSQL it started', async () => {
    const proc = startProcess('npm', ['start', '--silent'], { ...env, REDIS_URL: 'redis://127.0.0.1:1' });
    const code = await proc.waitForExit(60_000);
    expect(code).not.toBe(0);
    expect(proc.output()).toMatch(/Redis did not answer at 127\.0\.0\.1:1.*REDIS_URL/s);
    expect(proc.output()).toMatch(/Starting embedded PostgreSQL/);
    await expectStopped(proc);
  }, 90_000);
});
