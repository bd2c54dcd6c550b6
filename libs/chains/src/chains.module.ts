import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { ChainsService } from './chains.service';
import { ChainRunEntity } from './entities/chain-run.entity';
import { ChainStepRunEntity } from './entities/chain-step-run.entity';
import { ChainStepEntity } from './entities/chain-step.entity';
import { ChainEntity } from './entities/chain.entity';
import { CredentialEntity } from './entities/credential.entity';

/** Execution chains: definitions, runs and credentials. Needs QueuesModule (global) for the chain-steps queue. */
@Module({
  imports: [
    TypeOrmModule.forFeature([ChainEntity, ChainStepEntity, ChainRunEntity, ChainStepRunEntity, CredentialEntity]),
    SecretsModule,
    TenantsModule,
    WebhooksModule,
  ],
  providers: [ChainsService],
  exports: [ChainsService],
})
export class ChainsModule {}
