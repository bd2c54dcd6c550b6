import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { InboundEventsController } from './http/inbound-events.controller';
import { SourcesController } from './http/sources.controller';
import { IngestionModule } from './ingestion.module';

/**
 * Ingestion's managed routes (sources, inbound events), for apps/api. The receive routes themselves are plain Fastify
 * routes the API serves outside Nest (apps/api/src/ingestion/receive.routes.ts) over ReceiveService.
 */
@Module({ imports: [IngestionModule, TenantsModule], controllers: [SourcesController, InboundEventsController] })
export class IngestionApiModule {}
