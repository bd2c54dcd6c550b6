import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { InboundEventEntity } from './entities/inbound-event.entity';
import { InboundSourceEntity } from './entities/inbound-source.entity';
import { InboundEventsService } from './inbound-events.service';
import { InboundEventWriter } from './inbound-event-writer';
import { IngestionReconciler } from './ingestion-reconciler';
import { ReceiveService } from './receive.service';
import { RoutingService } from './routing.service';
import { SourceResolver } from './source-resolver';
import { SourcesService } from './sources.service';
// Registers the ingestion subjects, their API-key scopes and each role's rules with @conduit/access.
import './ingestion.access';

/** Webhooks in. Needs QueuesModule (global) for the ingestion queue. */
@Module({
  imports: [
    TypeOrmModule.forFeature([InboundSourceEntity, InboundEventEntity]),
    SecretsModule,
    TenantsModule,
    WebhooksModule,
  ],
  providers: [
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
