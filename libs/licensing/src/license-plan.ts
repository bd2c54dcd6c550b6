// Which plan is in force, from what the control plane holds and the time: a pure function, so every process computes
// the same answer from the same rows, and tests can walk it through time without a database.
import { CLOCK_ROLLBACK_TOLERANCE_MS, EffectiveLicense, LicenseClaims, PLANS, TRIAL_DAYS } from './license-terms';

const DAY_MS = 24 * 3600 * 1000;

/** The installation's singleton row, as far as plans go. */
export interface InstallationFacts {
  installation_id: string;
  first_started_at: Date;
  latest_seen_at: Date;
}

export interface PlanInput {
  installation: InstallationFacts;
  /** the active licence's verified claims, or null */
  license: LicenseClaims | null;
  now: Date;
}

/** Whether `now` is more than CLOCK_ROLLBACK_TOLERANCE_MS behind the latest time seen. */
export function clockRolledBack(now: Date, latestSeen: Date): boolean {
  return now.getTime() < latestSeen.getTime() - CLOCK_ROLLBACK_TOLERANCE_MS;
}

export function trialEndsAt(firstStartedAt: Date): Date {
  return new Date(firstStartedAt.getTime() + TRIAL_DAYS * DAY_MS);
}

export function graceEndsAt(claims: LicenseClaims): Date {
  return new Date((claims.exp + claims.grace_days * 86400) * 1000);
}

/**
 * No enterprise licence: the trial for TRIAL_DAYS from the first start, then community. An enterprise licence: in force
 * until exp, in grace (still enterprise) for grace_days after, then community ('lapsed'). A clock rolled back more than
 * a day behind the latest time seen counts as past every expiry: community ('clock_rollback') until it is corrected.
 */
export function computeEffectiveLicense({ installation, license, now }: PlanInput): EffectiveLicense {
  const base = { installation_id: installation.installation_id, latest_seen_at: installation.latest_seen_at };
  const rolledBack = clockRolledBack(now, installation.latest_seen_at);
  const community = { plan: 'community' as const, ...PLANS.community };
  if (!license) {
    const trialEnd = trialEndsAt(installation.first_started_at);
    const common = { ...base, license: null, expires_at: trialEnd, grace_ends_at: null };
    if (rolledBack) return { ...common, ...community, standing: 'clock_rollback' };
    if (now < trialEnd) return { ...common, plan: 'trial', ...PLANS.trial, standing: 'none' };
    return { ...common, ...community, standing: 'none' };
  }
  const expiresAt = new Date(license.exp * 1000);
  const graceEnd = graceEndsAt(license);
  const common = { ...base, license, expires_at: expiresAt, grace_ends_at: graceEnd };
  if (rolledBack) return { ...common, ...community, standing: 'clock_rollback' };
  if (now >= graceEnd) return { ...common, ...community, standing: 'lapsed' };
  const enterprise = { plan: 'enterprise' as const, quotas: license.quotas, features: license.features };
  return { ...common, ...enterprise, standing: now < expiresAt ? 'active' : 'grace' };
}

/** Whole days until `end` (rounded up, 0 once past); null without an end. */
export function daysLeft(end: Date | null, now: Date): number | null {
  if (!end) return null;
  return Math.max(0, Math.ceil((end.getTime() - now.getTime()) / DAY_MS));
}
