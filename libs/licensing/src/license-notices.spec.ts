import { dueNotices } from './license-notices';
import { LicenseClaims } from './license-terms';

const DAY = 24 * 3600 * 1000;
const exp = new Date('2026-06-30T00:00:00Z');
const claims = (grace_days: number): LicenseClaims => ({
  jti: 'lic-1',
  sub: 'Acme',
  type: 'enterprise',
  iat: 1,
  nbf: 1,
  exp: exp.getTime() / 1000,
  grace_days,
  quotas: { tenants: 1, users: 1, integrations: 1, instances: 1, events_per_month: 1 },
  features: [],
});
const daysFromExp = (d: number) => new Date(exp.getTime() + d * DAY);
const published = (grace: number, d: number) =>
  dueNotices(claims(grace), daysFromExp(d))
    .filter((n) => n.publish)
    .map((n) => n.threshold);
const due = (grace: number, d: number) => dueNotices(claims(grace), daysFromExp(d)).map((n) => n.threshold);

describe('licence expiry notices', () => {
  it('falls due 30, 7 and 1 days before exp, at exp and at the end of the grace period', () => {
    expect(due(14, -31)).toEqual([]);
    expect(due(14, -30)).toEqual(['expiring_30']);
    expect(due(14, -7)).toEqual(['expiring_30', 'expiring_7']);
    expect(due(14, -1)).toEqual(['expiring_30', 'expiring_7', 'expiring_1']);
    expect(due(14, 0)).toEqual(['expiring_30', 'expiring_7', 'expiring_1', 'expired']);
    expect(due(14, 13.9)).toHaveLength(4);
    expect(due(14, 14)).toEqual(['expiring_30', 'expiring_7', 'expiring_1', 'expired', 'grace_ended']);
  });

  it('publishes only the latest expiring notice, and always expired and grace_ended', () => {
    expect(published(14, -5)).toEqual(['expiring_7']);
    expect(published(14, -0.5)).toEqual(['expiring_1']);
    expect(published(14, 1)).toEqual(['expired']);
    expect(published(14, 20)).toEqual(['expired', 'grace_ended']);
    // No grace: the licence expires and its grace ends at once; both are said.
    expect(published(0, 0)).toEqual(['expired', 'grace_ended']);
  });
});
