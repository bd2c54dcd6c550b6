import { Module } from '@nestjs/common';
import { SecretsModule } from '@conduit/secrets';
import { SubscriptionCredentials } from '@conduit/webhooks/engine';
import { ChainsModule } from '../chains.module';
import { ChainHttpClient } from './chain-http-client';
import { ChainReconciler } from './chain-reconciler';
import { CredentialVault } from './credential-vault';
import { StepEngine } from './step-engine';
import { StepStore } from '../repositories/step-store';

/** The step-running side of chains, for the worker: needs QueuesModule (global). */
@Module({
  imports: [ChainsModule, SecretsModule],
  providers: [StepEngine, StepStore, ChainHttpClient, ChainReconciler, CredentialVault, SubscriptionCredentials],
  exports: [ChainsModule, StepEngine, ChainReconciler],
})
export class ChainEngineModule {}
