// Which expiry notifications of a licence are due: license.expiring 30, 7 and 1 days before exp, license.expired at
// exp, license.grace_ended at exp + grace_days. Pure, so the thresholds are tested without a worker.
import { graceEndsAt } from './license-plan';
import type { LicenseClaims } from './license-terms';

export const EXPIRING_DAYS = [30, 7, 1] as const;

export type NoticeThreshold = 'expiring_30' | 'expiring_7' | 'expiring_1' | 'expired' | 'grace_ended';

export interface DueNotice {
  threshold: NoticeThreshold;
  /** when it became due */
  at: Date;
  /**
   * false: a later notice is due as well and says more (a worker that was away, or a licence installed 5 days before
   * its exp, says "expires in 7 days" once, not also "in 30"). It is claimed all the same, never published.
   */
  publish: boolean;
}

const DAY_MS = 24 * 3600 * 1000;

/** Every notice of the licence whose time has come at `now`, in the order they fall due. */
export function dueNotices(claims: LicenseClaims, now: Date): DueNotice[] {
  const exp = claims.exp * 1000;
  const all: { threshold: NoticeThreshold; at: Date }[] = [
    ...EXPIRING_DAYS.map((d) => ({ threshold: `expiring_${d}` as NoticeThreshold, at: new Date(exp - d * DAY_MS) })),
    { threshold: 'expired', at: new Date(exp) },
    { threshold: 'grace_ended', at: graceEndsAt(claims) },
  ];
  const due = all.filter((n) => n.at.getTime() <= now.getTime());
  const expiring = due.filter((n) => n.threshold.startsWith('expiring_'));
  const lastExpiring = due.some((n) => n.threshold === 'expired') ? undefined : expiring[expiring.length - 1];
  return due.map((n) => ({
    ...n,
    publish: !n.threshold.startsWith('expiring_') || n === lastExpiring,
  }));
}

/** The days a license.expiring notice announces. */
export function expiringDays(threshold: NoticeThreshold): number | null {
  const match = /^expiring_(\d+)$/.exec(threshold);
  return match ? Number(match[1]) : null;
}
