// @conduit/chains/engine: chains' worker module (the step engine behind the chain-steps queue), scheduler, reconciler.
export { ChainsWorkerModule } from '../chains-worker.module';
export { ChainStepScheduler } from '../chain-step-scheduler';
export { ChainEngineModule } from './chain-engine.module';
export { ChainReconciler } from './chain-reconciler';
export { ChainRunRollupSource } from '../repositories/chain-run-rollup-source';
