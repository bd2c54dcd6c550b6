// Failed sign-in limiting on POST /api/v1/auth/login (issue 16, docs/sessions.md): failures counted per account, per
// (account, client address) and per address alone. Small limits here: 3 per (account, address), 6 per account, 10 per
// address, in 15-minute windows. Client addresses come from X-Forwarded-For (TRUST_PROXY), as behind a load balancer.
import { TestApi, startTestApi } from '../support/test-api';

const PASSWORD = 'correct-horse-battery-staple';
const WRONG = 'not-the-password-at-all';

describe('failed sign-in limiting', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({
      TRUST_PROXY: 'true',
      LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '3',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '6',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '10',
      LOGIN_FAILURE_WINDOW_SECONDS: '900',
    });
    await api.seedTenant('acme');
    for (const name of ['dana', 'erin', 'frank', 'gus'])
      await api.operator.createUser({
        email: `${name}@acme.test`,
        password: PASSWORD,
        tenantCode: 'acme',
        role: 'viewer',
      });
  });
  afterAll(() => api.close());

  const login = (email: string, ip: string, password = PASSWORD) =>
    api.request('POST', '/api/v1/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip } });

  it("locks one person's typos at one address, not the same account from another address, until the account limit", async () => {
    for (let i = 0; i < 3; i++) expect((await login('dana@acme.test', '198.51.100.1', WRONG)).status).toBe(401);
    // Locked at that address: the right password is not even checked.
    const locked = await login('dana@acme.test', '198.51.100.1');
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('login_locked');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);

    // From the office next door: still fine (account at 3 of 6).
    expect((await login('dana@acme.test', '198.51.100.2')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login('dana@acme.test', '198.51.100.3', WRONG)).status).toBe(401);
    expect((await login('dana@acme.test', '198.51.100.4', WRONG)).status).toBe(401);
    // Six failures on the account: every address is refused now, the right password too.
    const account = await login('dana@acme.test', '198.51.100.5');
    expect(account.status).toBe(429);
    expect(account.body.error.code).toBe('login_locked');

    const audit = await api.sql(
      `SELECT outcome, metadata FROM audit_events WHERE action = 'auth.login' AND metadata->>'reason' = 'login_locked'
        ORDER BY created_at`,
    );
    expect(audit.map((a) => [a.outcome, a.metadata.limit])).toEqual([
      ['denied', 'account_address'],
      ['denied', 'account'],
    ]);
  });

  it('answers an unknown email exactly as a known one', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      known.push((await login('erin@acme.test', '198.51.100.20', WRONG)).status);
      unknown.push((await login('nobody@acme.test', '198.51.100.20', WRONG)).status);
    }
    expect(known).toEqual([401, 401, 401, 429]);
    expect(unknown).toEqual(known);
    const refused = await login('nobody@acme.test', '198.51.100.20', WRONG);
    expect(refused.body.error.code).toBe('login_locked');
    expect(refused.headers.get('retry-after')).not.toBeNull();
  });

  it('clears the (account, address) counter on a successful sign-in', async () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) expect((await login('frank@acme.test', '198.51.100.30', WRONG)).status).toBe(401);
      expect((await login('frank@acme.test', '198.51.100.30')).status).toBe(200);
    }
  });

  it("does not lock a colleague out of a shared office address because of others' failures, until its ceiling", async () => {
    const office = '203.0.113.9';
    // Nine people behind one NAT each mistype once (nine failures, one per account).
    for (let i = 0; i < 9; i++) expect((await login(`typo${i}@acme.test`, office, WRONG)).status).toBe(401);
    expect((await login('gus@acme.test', office)).status).toBe(200);
    // The tenth failure reaches the address's ceiling: now everyone there waits.
    expect((await login('typo9@acme.test', office, WRONG)).status).toBe(401);
    const ceiling = await login('gus@acme.test', office);
    expect(ceiling.status).toBe(429);
    expect(ceiling.body.error.code).toBe('login_locked');
    // Elsewhere Gus is fine.
    expect((await login('gus@acme.test', '198.51.100.40')).status).toBe(200);
  });
});

describe('failed sign-in limiting while Redis is away', () => {
  let api: TestApi;

  beforeAll(async () => {
    // Nothing listens on port 1: the counters fall back to this process's own.
    api = await startTestApi({
      REDIS_URL: 'redis://127.0.0.1:1',
      TRUST_PROXY: 'true',
      LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '3',
    });
    await api.seedTenant('acme');
    await api.operator.createUser({ email: 'hal@acme.test', password: PASSWORD, tenantCode: 'acme', role: 'viewer' });
  });
  afterAll(() => api.close());

  it('still signs in and still limits, counting in the process', async () => {
    const login = (password: string) =>
      api.request('POST', '/api/v1/auth/login', {
        body: { email: 'hal@acme.test', password },
        headers: { 'x-forwarded-for': '198.51.100.77' },
      });
    expect((await login(PASSWORD)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login(WRONG)).status).toBe(401);
    const locked = await login(PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('login_locked');
  });
});
