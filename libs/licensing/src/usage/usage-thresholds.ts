// When a month's usage crosses the events_per_month quota's thresholds: reported and notified, never enforced. The
// rule is every quota's (quota-thresholds.ts).
export { QUOTA_THRESHOLD_EVENTS as THRESHOLD_EVENTS, crossedThresholds, percentOf } from '../quota-thresholds';
export type { QuotaThreshold as UsageThreshold } from '../quota-thresholds';
