import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { ChainsModule } from './chains.module';
import { ChainAnalyticsController } from './http/chain-analytics.controller';
import { ChainRunController, ChainRunSeedPathsController, ChainRunsController } from './http/chain-runs.controller';
import { ChainsController } from './http/chains.controller';
import { CredentialsController } from './http/credentials.controller';

/** Chains' routes (the seed's /api/execution-chains and /api/v1/chains, runs, credentials, analytics), for apps/api. */
@Module({
  imports: [ChainsModule, TenantsModule],
  controllers: [
    ChainsController,
    ChainRunsController,
    ChainRunController,
    ChainRunSeedPathsController,
    CredentialsController,
    ChainAnalyticsController,
  ],
})
export class ChainsApiModule {}
