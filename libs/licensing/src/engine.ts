// @conduit/licensing/engine: licensing's worker module (expiry, clock-rollback and quota notifications, the monthly
// usage count and its events_per_month notifications).
export { LicensingWorkerModule } from './licensing-worker.module';
export { LICENSE_EVENT_NAMES, LicenseNotifier } from './license-notifier';
export { LicenseQuotaNotifier } from './quota-notifier';
export type { QuotaNoticePayload } from './quota-notifier';
export { UsageCounter } from './usage/usage-counter';
export type { UsageRunResult } from './usage/usage-counter';
