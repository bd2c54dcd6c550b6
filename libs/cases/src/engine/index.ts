// @conduit/cases/engine: the cases' worker module (polling ingestion; the retention of events and closed cases).
export { CasesWorkerModule } from '../cases-worker.module';
export { CaseRetention } from './case-retention';
export { IngestionPoller } from './ingestion-poller';
export type { IngestionOutcome } from './ingestion-poller';
