import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@conduit/audit';
import { Migrations } from '@conduit/database';
import { IntegrationsModule } from '@conduit/integrations';
import { SecretsModule } from '@conduit/secrets';
import { TasksModule } from '@conduit/tasks';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { ChainRunRollupSource } from './repositories/chain-run-rollup-source';
import { ChainAnalyticsService } from './chain-analytics.service';
import { ChainRunsService } from './chain-runs.service';
import { CHAIN_STEPS_QUEUE } from './chain-step-job';
import { ChainStepScheduler } from './chain-step-scheduler';
import { ChainInstanceUsers } from './chain-instance-users';
import { ChainTaskUsers } from './chain-task-users';
import { ChainTrigger } from './chain-trigger';
import { ChainsService } from './chains.service';
import { CredentialsService } from './credentials.service';
import { ChainRunEntity } from './entities/chain-run.entity';
import { ChainStepRunEntity } from './entities/chain-step-run.entity';
import { ChainStepEntity } from './entities/chain-step.entity';
import { ChainEntity } from './entities/chain.entity';
import { CredentialEntity } from './entities/credential.entity';
import { CHAINS_MIGRATIONS } from './migrations';
import { ChainRunsRepository } from './repositories/chain-runs.repository';
import { ChainsRepository } from './repositories/chains.repository';
import { CredentialsRepository } from './repositories/credentials.repository';
import { RunLauncher } from './run-launcher';
// Registers the chains subjects, their API-key scopes and each role's rules with @conduit/access.
import './chains.access';

/**
 * Execution chains: definitions, runs and credentials, with their tables and the chain-steps queue. Needs QueuesModule
 * (global) for the queues' connection.
 */
@Migrations(...CHAINS_MIGRATIONS)
@Module({
  imports: [
    TypeOrmModule.forFeature([ChainEntity, ChainStepEntity, ChainRunEntity, ChainStepRunEntity, CredentialEntity]),
    BullModule.registerQueue({ name: CHAIN_STEPS_QUEUE }),
    AuditModule,
    // Instances: chains register as users of the instances their task steps run on.
    IntegrationsModule,
    SecretsModule,
    // Task steps: checked and prepared like any task run; chains register as users of the tasks they run.
    TasksModule,
    TenantsModule,
    WebhooksModule,
  ],
  providers: [
    ChainsRepository,
    ChainRunsRepository,
    CredentialsRepository,
    ChainsService,
    ChainRunsService,
    CredentialsService,
    ChainAnalyticsService,
    ChainRunRollupSource,
    RunLauncher,
    ChainStepScheduler,
    ChainTrigger,
    ChainTaskUsers,
    ChainInstanceUsers,
  ],
  // The repositories too, for the step engine's module (ChainEngineModule): other libs cannot name them.
  exports: [
    ChainsRepository,
    ChainRunsRepository,
    CredentialsRepository,
    ChainsService,
    ChainRunsService,
    CredentialsService,
    ChainAnalyticsService,
    ChainRunRollupSource,
    RunLauncher,
    ChainStepScheduler,
  ],
})
export class ChainsModule {}
