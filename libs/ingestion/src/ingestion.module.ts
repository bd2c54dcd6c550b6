import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CasesModule } from '@conduit/cases';
import { Migrations } from '@conduit/database';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { InboundEventEntity } from './entities/inbound-event.entity';
import { InboundEventsService } from './inbound-events.service';
import { InboundEventWriter } from './inbound-event-writer';
import { INGESTION_QUEUE } from './ingestion-job';
import { IngestionReconciler } from './ingestion-reconciler';
import { INGESTION_MIGRATIONS } from './migrations';
import { ReceiveService } from './receive.service';
import { InboundEventsRepository } from './repositories/inbound-events.repository';
import { RoutingService } from './routing.service';
import { SourceDirectoryModule } from './source-directory.module';
import { SourceResolver } from './source-resolver';
import { SourcesService } from './sources.service';
// Registers the ingestion subjects, their API-key scopes and each role's rules with @conduit/access.
import './ingestion.access';

/** Webhooks in, with its tables and ingestion queue. Needs QueuesModule (global) for the queues' connection. */
@Migrations(...INGESTION_MIGRATIONS)
@Module({
  imports: [
    TypeOrmModule.forFeature([InboundEventEntity]),
    SourceDirectoryModule,
    BullModule.registerQueue({ name: INGESTION_QUEUE }),
    SecretsModule,
    TenantsModule,
    WebhooksModule,
    CasesModule, // push ingestion: items of sources with a case_mapping go through CaseIngest while routing
  ],
  providers: [
    InboundEventsRepository,
    InboundEventWriter,
    SourcesService,
    SourceResolver,
    ReceiveService,
    InboundEventsService,
    RoutingService,
    IngestionReconciler,
  ],
  exports: [SourcesService, SourceResolver, ReceiveService, InboundEventsService, RoutingService, IngestionReconciler],
})
export class IngestionModule {}
