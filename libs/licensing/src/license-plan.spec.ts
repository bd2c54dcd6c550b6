import { clockRolledBack, computeEffectiveLicense, daysLeft } from './license-plan';
import { LicenseClaims, PLANS, TRIAL_DAYS } from './license-terms';

const DAY = 24 * 3600 * 1000;
const start = new Date('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(start.getTime() + days * DAY);
const installation = (latestSeen = start) => ({
  installation_id: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f',
  first_started_at: start,
  latest_seen_at: latestSeen,
});
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const license: LicenseClaims = {
  jti: 'lic-1',
  sub: 'Acme',
  type: 'enterprise',
  iat: seconds(start),
  nbf: seconds(start),
  exp: seconds(at(100)),
  grace_days: 10,
  quotas: { tenants: 100, users: 1000, integrations: null, instances: 500, events_per_month: null },
  features: ['mssp', 'saml'],
};

describe('the plan in force', () => {
  it('runs a trial for TRIAL_DAYS from the first start, then community', () => {
    const trial = computeEffectiveLicense({ installation: installation(), license: null, now: at(TRIAL_DAYS - 1) });
    expect(trial).toMatchObject({ plan: 'trial', standing: 'none', expires_at: at(TRIAL_DAYS), ...PLANS.trial });
    const after = computeEffectiveLicense({ installation: installation(), license: null, now: at(TRIAL_DAYS) });
    expect(after).toMatchObject({ plan: 'community', standing: 'none', expires_at: at(TRIAL_DAYS) });
    expect(after.quotas).toEqual(PLANS.community.quotas);
    expect(after.features).toEqual(PLANS.community.features);
  });

  it('gives an enterprise licence its quotas and features until exp, then grace, then community (lapsed)', () => {
    const active = computeEffectiveLicense({ installation: installation(), license, now: at(99) });
    expect(active).toMatchObject({ plan: 'enterprise', standing: 'active', quotas: license.quotas });
    expect(active.features).toEqual(['mssp', 'saml']);
    expect(active.expires_at).toEqual(at(100));
    expect(active.grace_ends_at).toEqual(at(110));
    const grace = computeEffectiveLicense({ installation: installation(), license, now: at(105) });
    expect(grace).toMatchObject({ plan: 'enterprise', standing: 'grace', quotas: license.quotas });
    const lapsed = computeEffectiveLicense({ installation: installation(), license, now: at(110) });
    expect(lapsed).toMatchObject({ plan: 'community', standing: 'lapsed', license, quotas: PLANS.community.quotas });
    // No trial after a licence, however young the installation.
    const noGrace = { ...license, exp: seconds(at(5)), grace_days: 0 };
    expect(computeEffectiveLicense({ installation: installation(), license: noGrace, now: at(6) })).toMatchObject({
      plan: 'community',
      standing: 'lapsed',
    });
  });

  it('treats a clock more than a day behind the latest time seen as past every expiry', () => {
    const seen = at(50);
    expect(clockRolledBack(at(49), seen)).toBe(false);
    expect(clockRolledBack(new Date(at(49).getTime() - 1), seen)).toBe(true);
    const rolledBack = computeEffectiveLicense({ installation: installation(seen), license, now: at(40) });
    expect(rolledBack).toMatchObject({ plan: 'community', standing: 'clock_rollback', license });
    expect(rolledBack.quotas).toEqual(PLANS.community.quotas);
    const trialRolledBack = computeEffectiveLicense({ installation: installation(at(10)), license: null, now: at(5) });
    expect(trialRolledBack).toMatchObject({ plan: 'community', standing: 'clock_rollback' });
    // Corrected: as before.
    expect(computeEffectiveLicense({ installation: installation(seen), license, now: at(50) }).standing).toBe('active');
  });

  it('counts whole days left, rounded up, never below zero', () => {
    expect(daysLeft(at(10), at(0))).toBe(10);
    expect(daysLeft(at(10), new Date(at(0).getTime() + 1))).toBe(10);
    expect(daysLeft(at(10), at(11))).toBe(0);
    expect(daysLeft(null, at(0))).toBeNull();
  });
});
