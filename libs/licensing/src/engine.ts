// @conduit/licensing/engine: licensing's worker module (expiry and clock-rollback notifications).
export { LicensingWorkerModule } from './licensing-worker.module';
export { LICENSE_EVENT_NAMES, LicenseNotifier } from './license-notifier';
