import { Module } from '@nestjs/common';
import { SecretsModule } from '@conduit/secrets';
import { TaskEngineModule } from '@conduit/tasks/engine';
import { SubscriptionCredentials } from '@conduit/webhooks/engine';
import { ChainsModule } from '../chains.module';
import { ChainHttpClient } from './chain-http-client';
import { ChainReconciler } from './chain-reconciler';
import { CredentialVault } from './credential-vault';
import { StepEngine } from './step-engine';
import { TaskStepRunner } from './task-step-runner';
import { StepStore } from '../repositories/step-store';

/** The step-running side of chains, for the worker: needs QueuesModule (global). */
@Module({
  // TaskEngineModule: task steps run their task with the task executor, in the step's attempt.
  imports: [ChainsModule, SecretsModule, TaskEngineModule],
  providers: [
    StepEngine,
    StepStore,
    TaskStepRunner,
    ChainHttpClient,
    ChainReconciler,
    CredentialVault,
    SubscriptionCredentials,
  ],
  exports: [ChainsModule, StepEngine, ChainReconciler],
})
export class ChainEngineModule {}
