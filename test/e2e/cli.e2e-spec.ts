// Operator commands run as real processes against a suite database; the issued token works on the real API.
import { randomBytes } from 'node:crypto';
import { TestApi, startTestApi } from '../support/test-api';
import { databaseUrl, dropDatabase, withAdminClient } from '../support/postgres-admin';
import { startProcess } from '../support/processes';
import { TEST_MASTER_KEY } from '../support/test-config';

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = startProcess('npm', ['run', '--silent', 'cli', '--', ...args], {
    CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
    LOG_LEVEL: 'error',
    ...env,
  });
  const code = await proc.waitForExit(60_000);
  return { code, out: proc.output() };
}

describe('npm run cli', () => {
  let api: TestApi;
  let env: Record<string, string>;

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
    const child = await cli(env, 'tenant:create', '--code', 'child', '--name', 'Child', '--parent', 'mssp');
    expect(JSON.parse(child.out.trim().split('\n').pop() as string)).toMatchObject({
      code: 'child',
      parent_id: msspTenant.id,
    });

    const user = await cli(
      env,
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
    const token = await cli(env, 'token:issue', '--email', 'ops@mssp.test');
    expect(token.code).toBe(0);
    const access = token.out.trim().split('\n').pop() as string;
    const me = await api.request('GET', '/api/v1/auth/me', { token: access, tenant: 'child' });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ label: 'ops@mssp.test', role: 'mssp_admin', tenant: { code: 'child' } });
    const [audit] = await api.sql(`SELECT actor_type, action FROM audit_events WHERE action = 'user.create'`);
    expect(audit).toEqual({ actor_type: 'system', action: 'user.create' });
  }, 120_000);

  it('refuses bad input with a usage message and a non-zero exit', async () => {
    const badRole = await cli(
      env,
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
    const missing = await cli(env, 'tenant:create', '--code', 'nameless');
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/missing --name/);
    const unknown = await cli(env, 'frobnicate');
    expect(unknown.code).toBe(2);
    // An unknown option, or an option without its value, is a usage error too (not a failure, exit 1).
    const unknownOption = await cli(env, 'tenant:create', '--code', 'x', '--nmae', 'typo');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.out).toMatch(/Unknown option '--nmae'[\s\S]*Usage:/);
    expect((await cli(env, 'keys:status', '--code')).code).toBe(2);
    // A password split by an unquoted space: the stray half is refused without being printed.
    const split = await cli(
      env,
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
      const second = await cli({ DATABASE_URL: databaseUrl(name) }, 'migrate');
      expect(second.out).toMatch(/up to date/);
    } finally {
      await withAdminClient((c) => dropDatabase(c, name));
    }
  }, 120_000);
});
