// @conduit/chains/engine: chains' worker module, the step engine, its scheduler's consumer side and reconciler.
export { ChainsWorkerModule } from '../chains-worker.module';
export { ChainStepScheduler } from '../chain-step-scheduler';
export { ChainEngineModule } from './chain-engine.module';
export { ChainReconciler } from './chain-reconciler';
export { StepEngine } from './step-engine';
export type { StepAttemptOutcome, StepOutcome } from './step-engine';
