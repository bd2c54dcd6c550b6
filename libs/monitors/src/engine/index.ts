// @conduit/monitors/engine: monitors' worker module (scheduler, checks, their metrics, old checks' retention).
export { MonitorsWorkerModule } from '../monitors-worker.module';
export { MonitorChecker } from './monitor-checker';
export { MonitorChecksRetention } from './monitor-checks-retention';
export { MonitorScheduler } from './monitor-scheduler';
