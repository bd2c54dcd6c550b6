import type { ConduitConfig } from '@conduit/platform';
import { LoginLimiter, MAX_LOCAL_KEYS } from './login-limiter';

// Without Redis the limiter counts in this process: what a flood of distinct emails must not wash away.
const config = {
  REDIS_PREFIX: 'test',
  LOGIN_FAILURE_WINDOW_SECONDS: 900,
  LOGIN_MAX_FAILURES_PER_ACCOUNT: 10,
  LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: 5,
  LOGIN_MAX_FAILURES_PER_ADDRESS: 100,
} as unknown as ConduitConfig;

describe('LoginLimiter without Redis', () => {
  it('locks an account after its limit of failures', async () => {
    const limiter = new LoginLimiter(config);
    for (let i = 0; i < 10; i++) await limiter.recordFailure('victim@acme.test', `198.51.100.${i}`);
    expect(await limiter.lockFor('victim@acme.test', '203.0.113.9')).toMatchObject({ scope: 'account' });
  });

  it('keeps a lock in force through a flood of distinct emails that fills the counters', async () => {
    const limiter = new LoginLimiter(config);
    for (let i = 0; i < 10; i++) await limiter.recordFailure('victim@acme.test', `198.51.100.${i}`);
    // Every failure counts three keys (account, account and address, address): this overflows the bound twice.
    for (let i = 0; i < MAX_LOCAL_KEYS; i++)
      await limiter.recordFailure(`flood-${i}@x.test`, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(await limiter.lockFor('victim@acme.test', '203.0.113.9')).toMatchObject({ scope: 'account' });
    expect((limiter as unknown as { local: Map<string, unknown> }).local.size).toBeLessThanOrEqual(MAX_LOCAL_KEYS);
  });
});
