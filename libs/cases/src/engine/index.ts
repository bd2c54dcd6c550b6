// @conduit/cases/engine: the cases' worker module (the retention of events and closed cases).
export { CasesWorkerModule } from '../cases-worker.module';
export { CaseRetention } from './case-retention';
