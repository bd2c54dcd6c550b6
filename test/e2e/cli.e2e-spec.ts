// Operator commands against a suite database; the issued token works on the real API. What only the real process
// shows runs as `npm run cli`: a command that succeeds (the entry point finds the database, runs it, exits 0), the
// exit codes of a usage error and of a refusal, the first migrate of an empty database, and every failure to reach the
// database (found by the entry point alone). The other commands run in this process through the CLI's own option and
// command tables (test/support/cli-in-process.ts), with the same exit codes: a spawned CLI spends seconds loading.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/cli-in-process';
import { TestApi, startTestApi } from '../support/test-api';
import { databaseUrl, dropDatabase, withAdminClient } from '../support/postgres-admin';
import { freePort, startProcess } from '../support/processes';
import { TEST_MASTER_KEY, testConfig } from '../support/test-config';

async function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  const proc = startProcess('npm', ['run', '--silent', 'cli', '--', ...args], {
    CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
    LOG_LEVEL: 'error',
    ...env,
  });
  const code = await proc.waitForExit(60_000);
  return { code, out: proc.output(), ms: Date.now() - started };
}

describe('npm run cli', () => {
  let api: TestApi;
  let env: Record<string, string>;
  /** The operator's command on the API's database, in this process. */
  const inProcess = (command: string, ...args: string[]) => runCliInProcess(api.config, command, ...args);

  beforeAll(async () => {
    api = await startTestApi();
    env = { DATABASE_URL: api.db.url };
  });
  afterAll(() => api.close());

  it('creates tenants (with a parent) and users, then issues a token the API accepts', async () => {
    const mssp = await cli(env, 'tenant:create', '--code', 'mssp', '--name', 'MSSP Ltd');
    expect(mssp.code).toBe(0);
    const msspTenant = JSON.parse(mssp.out.trim().split('\n').pop() as string);
    expect(msspTenant).toMatchObject({ code: 'mssp', name: 'MSSP Ltd', parent_id: null });
    const child = await inProcess('tenant:create', '--code', 'child', '--name', 'Child', '--parent', 'mssp');
    expect(JSON.parse(child.out.trim().split('\n').pop() as string)).toMatchObject({
      code: 'child',
      parent_id: msspTenant.id,
    });

    const user = await inProcess(
      'user:create',
      '--email',
      'ops@mssp.test',
      '--password',
      'correct-horse-battery',
      '--tenant',
      'mssp',
      '--role',
      'mssp_admin',
    );
    expect(user.code).toBe(0);
    const token = await inProcess('token:issue', '--email', 'ops@mssp.test');
    expect(token.code).toBe(0);
    const access = token.out.trim().split('\n').pop() as string;
    const me = await api.request('GET', '/api/v1/auth/me', { token: access, tenant: 'child' });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ label: 'ops@mssp.test', role: 'mssp_admin', tenant: { code: 'child' } });
    const [audit] = await api.sql(`SELECT actor_type, action FROM audit_events WHERE action = 'user.create'`);
    expect(audit).toEqual({ actor_type: 'system', action: 'user.create' });
  }, 120_000);

  it('refuses bad input with a usage message and a non-zero exit', async () => {
    const badRole = await inProcess(
      'user:create',
      '--email',
      'x@y.test',
      '--password',
      'correct-horse-battery',
      '--tenant',
      'mssp',
      '--role',
      'god',
    );
    expect(badRole.code).toBe(2);
    expect(badRole.out).toMatch(/--role must be one of/);
    const missing = await inProcess('tenant:create', '--code', 'nameless');
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/missing --name/);
    const unknown = await inProcess('frobnicate');
    expect(unknown.code).toBe(2);
    // An unknown option, or an option without its value, is a usage error too (not a failure, exit 1). The real CLI:
    // a usage error is the process's exit 2, with the usage on stderr.
    const unknownOption = await cli(env, 'tenant:create', '--code', 'x', '--nmae', 'typo');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.out).toMatch(/Unknown option '--nmae'[\s\S]*Usage:/);
    expect((await inProcess('keys:status', '--code')).code).toBe(2);
    // A password split by an unquoted space: the stray half is refused without being printed.
    const split = await inProcess(
      'user:create',
      '--email',
      'x@y.test',
      '--password',
      'correct',
      'horse-battery-staple',
      '--tenant',
      'mssp',
      '--role',
      'viewer',
    );
    expect(split.code).toBe(2);
    expect(split.out).toMatch(/unexpected argument/);
    expect(split.out).not.toContain('horse-battery-staple');
    // The real CLI: a refusal by the service's rules is the process's exit 1.
    const dup = await cli(env, 'tenant:create', '--code', 'mssp', '--name', 'again');
    expect(dup.code).toBe(1);
    expect(dup.out).toMatch(/tenant_code_taken/);
  }, 120_000);

  it('migrates an empty database and is idempotent', async () => {
    const name = `conduit_cli_${randomBytes(4).toString('hex')}`;
    await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
    try {
      const first = await cli({ DATABASE_URL: databaseUrl(name) }, 'migrate');
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/applied: Foundation/);
      const second = await runCliInProcess(testConfig(databaseUrl(name)), 'migrate');
      expect(second.out).toMatch(/up to date/);
    } finally {
      await withAdminClient((c) => dropDatabase(c, name));
    }
  }, 120_000);

  describe('with the database unreachable', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'conduit-cli-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    /**
     * One line on stderr, exit 1, no stack trace, and without waiting out the CLI's 60-second connection wait (what a
     * retry loop would do): 15 seconds bound npm and the CLI's start-up (2 to 5 s on a loaded 2-core machine).
     */
    function expectFailsFast(result: { code: number | null; out: string; ms: number }): void {
      expect(result.code).toBe(1);
      expect(result.out.trim().split('\n')).toHaveLength(1);
      expect(result.out).not.toMatch(/\n\s+at /);
      expect(result.ms).toBeLessThan(15_000);
    }

    it('says to start `npm start` when its database does not answer', async () => {
      // What `npm start` leaves in its data directory, with nothing listening on its port.
      writeFileSync(join(dataDir, 'pg-password'), 'not-running\n');
      const port = String(await freePort());
      for (const command of ['tenant:create --code x --name X', 'migrate', 'keys:status']) {
        const result = await cli(
          { DATABASE_URL: '', CONDUIT_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: port },
          ...command.split(' '),
        );
        expectFailsFast(result);
        expect(result.out).toMatch(
          new RegExp(`the \`npm start\` database \\(127\\.0\\.0\\.1:${port}\\) does not answer`),
        );
        expect(result.out).toMatch(/start it with `npm start`.*or set DATABASE_URL/);
      }
    }, 60_000);

    it('says which DATABASE_URL does not answer', async () => {
      const port = await freePort();
      const result = await cli({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/conduit` }, 'user:create');
      expectFailsFast(result);
      expect(result.out).toMatch(new RegExp(`database at 127\\.0\\.0\\.1:${port} \\(DATABASE_URL\\) does not answer`));
    }, 30_000);

    it('says to run `npm start` or set DATABASE_URL when there is no database at all', async () => {
      const empty = join(dataDir, 'never-started');
      const result = await cli({ DATABASE_URL: '', CONDUIT_DATA_DIR: empty }, 'keys:status');
      expectFailsFast(result);
      expect(result.out).toMatch(/no database: start one with `npm start`.*or set DATABASE_URL/);
    }, 30_000);
  });
});
