import { Module } from '@nestjs/common';
import { ChainEngineModule } from './engine/chain-engine.module';
import { ChainReconcileTimer } from './engine/chain-reconcile.timer';
import { ChainStepMetrics } from './engine/chain-step-metrics';
import { ChainStepProcessor } from './engine/chain-step.processor';

/**
 * Chains' part of the worker: the chain-steps queue's processor, reconcile timer and metrics over the step engine
 * (passed on, so apps/worker's maintenance reaches ChainRunRollupSource, as it reaches webhooks' through theirs).
 */
@Module({
  imports: [ChainEngineModule],
  providers: [ChainStepProcessor, ChainReconcileTimer, ChainStepMetrics],
  exports: [ChainEngineModule],
})
export class ChainsWorkerModule {}
