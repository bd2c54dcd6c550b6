// @conduit/licensing/engine: licensing's worker module (the monthly usage count and its notifications), for the worker.
export { LicensingWorkerModule } from './licensing-worker.module';
export { UsageCounter } from './usage/usage-counter';
export type { UsageRunResult } from './usage/usage-counter';
