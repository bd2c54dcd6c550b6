// The two thresholds of a quota's usage, one rule for every quota: license.quota_warning at 80%, license.quota_reached
// at 100% (the quota notifier's enforced quotas, and the monthly events of the usage count). See docs/licensing.md.

export type QuotaThreshold = 'warning' | 'reached';

export const QUOTA_THRESHOLD_EVENTS: Record<QuotaThreshold, string> = {
  warning: 'license.quota_warning',
  reached: 'license.quota_reached',
};

/**
 * The thresholds `usage` has reached against `limit`, in order: warning at 80% (usage * 5 >= limit * 4: whole numbers,
 * no floating point, so 12 of 15 is 80%), reached at 100%. None for an unlimited quota, nor while nothing is used (a
 * limit of 0 with nothing used is no news).
 */
export function crossedThresholds(usage: number, limit: number | null): QuotaThreshold[] {
  if (limit === null || usage <= 0) return [];
  const crossed: QuotaThreshold[] = [];
  if (usage * 5 >= limit * 4) crossed.push('warning');
  if (usage >= limit) crossed.push('reached');
  return crossed;
}

/** Usage as a whole percentage of the limit, rounded down (100 for anything over a limit of 0; null: unlimited). */
export function percentOf(usage: number, limit: number): number;
export function percentOf(usage: number, limit: number | null): number | null;
export function percentOf(usage: number, limit: number | null): number | null {
  if (limit === null) return null;
  if (limit <= 0) return usage > 0 ? 100 : 0;
  return Math.floor((usage * 100) / limit);
}
