// @conduit/licensing/engine: licensing's worker module (expiry, clock-rollback and quota notifications).
export { LicensingWorkerModule } from './licensing-worker.module';
export { LICENSE_EVENT_NAMES, LicenseNotifier } from './license-notifier';
export { LicenseQuotaNotifier } from './quota-notifier';
export type { QuotaNoticePayload } from './quota-notifier';
