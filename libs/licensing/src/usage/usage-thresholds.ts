// When a month's usage crosses the events_per_month quota's thresholds: reported and notified, never enforced.
import type { UsageThreshold } from '../repositories/usage.repository';

export type { UsageThreshold } from '../repositories/usage.repository';

/** license.quota_warning is published once usage reaches this share of the limit. */
export const WARNING_RATIO = 0.8;

export const THRESHOLD_EVENTS: Record<UsageThreshold, string> = {
  warning: 'license.quota_warning',
  reached: 'license.quota_reached',
};

/** The thresholds `usage` has reached against `limit` (none when unlimited or nothing was used), in order. */
export function crossedThresholds(usage: number, limit: number | null): UsageThreshold[] {
  if (limit === null || usage <= 0) return [];
  const crossed: UsageThreshold[] = [];
  if (usage >= Math.ceil(limit * WARNING_RATIO)) crossed.push('warning');
  if (usage >= limit) crossed.push('reached');
  return crossed;
}

/** Usage as a whole percentage of the limit, rounded down (null when unlimited). */
export function percentOf(usage: number, limit: number | null): number | null {
  if (limit === null) return null;
  if (limit <= 0) return usage > 0 ? 100 : 0;
  return Math.floor((usage * 100) / limit);
}
