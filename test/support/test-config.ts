import { randomBytes } from 'node:crypto';
import { ConduitConfig, parseConfig } from '@conduit/platform';
import { TEST_LICENSE_PUBLIC_KEYS } from './test-license';

/** A fixed master key so derived secrets (JWT signing, runtime role password) are stable across suites. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): ConduitConfig {
  return parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `conduit-test-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '100000',
    // Failed sign-in limiting out of the way of suites that fail logins on purpose (login-limits sets its own).
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '100000',
    LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '100000',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
    OUTBOUND_ALLOW_LOOPBACK: 'true',
    // Licences signed with the suite's own key install (test-license.ts); the vendor's key is not trusted here.
    CONDUIT_LICENSE_PUBLIC_KEYS: TEST_LICENSE_PUBLIC_KEYS,
    ...overrides,
  });
}
