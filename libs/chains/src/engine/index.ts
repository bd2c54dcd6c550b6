// @conduit/chains/engine: the step engine, its scheduler's consumer side and reconciler, for the worker.
export { ChainStepScheduler } from '../chain-step-scheduler';
export { ChainEngineModule } from './chain-engine.module';
export { ChainReconciler } from './chain-reconciler';
export { StepEngine } from './step-engine';
export type { StepAttemptOutcome, StepOutcome } from './step-engine';
export { ChainRunRollupSource } from '../chain-run-rollup-source';
