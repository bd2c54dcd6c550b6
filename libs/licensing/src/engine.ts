// @conduit/licensing/engine: licensing's worker module.
export { LicensingWorkerModule } from './licensing-worker.module';
