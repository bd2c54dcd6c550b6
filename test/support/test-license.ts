// The licence a suite's API runs under. A fresh installation runs the trial plan (what the licensing suites test); a
// suite that needs other terms (more tenants than the trial allows, fewer features) installs a real enterprise licence
// signed with this process's test key, which every test API trusts (testConfig's CONDUIT_LICENSE_PUBLIC_KEYS), through
// the licence service as the CLI installs one: verified, stored, in force at once.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import { LicenseService, PLANS, QuotaLimits, Feature, FEATURES } from '@conduit/licensing';
import { Clock } from '@conduit/platform';
import type { TestApi } from './test-api';

const TEST_KID = 'conduit-test-suite';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** CONDUIT_LICENSE_PUBLIC_KEYS of every test API (unless a suite sets its own keys). */
export const TEST_LICENSE_PUBLIC_KEYS = JSON.stringify({
  keys: [{ ...publicKey.export({ format: 'jwk' }), kid: TEST_KID, alg: 'EdDSA', use: 'sig' }],
});

export interface TestLicenseTerms {
  quotas?: Partial<QuotaLimits>;
  features?: readonly Feature[];
}

/**
 * Installs an enterprise licence (a year from the API's clock) with these quotas (null: unlimited; the trial's for
 * those not given) and features (every feature when not given).
 */
export async function useLicenseTerms(api: TestApi, terms: TestLicenseTerms): Promise<void> {
  const now = Math.floor(api.app.get(Clock).now().getTime() / 1000);
  const claims = {
    jti: randomUUID(),
    sub: 'Conduit test suite',
    type: 'enterprise',
    iat: now,
    nbf: now,
    exp: now + 365 * 24 * 3600,
    grace_days: 0,
    quotas: { ...PLANS.trial.quotas, ...terms.quotas },
    features: [...(terms.features ?? FEATURES)],
  };
  const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'EdDSA', kid: TEST_KID, typ: 'JWT' })
    .sign(privateKey);
  await api.app.get(LicenseService).installAs(token, { via: 'cli' });
}

/** No quota limits: for suites about something else that need more tenants or users than the trial allows. */
export function liftQuotas(api: TestApi): Promise<void> {
  return useLicenseTerms(api, {
    quotas: { tenants: null, users: null, integrations: null, instances: null, events_per_month: null },
  });
}
