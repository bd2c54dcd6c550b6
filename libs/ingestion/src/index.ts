// The public surface of @conduit/ingestion: only what other packages use. Everything else is internal.
export {
  InboundEventDetailResponse,
  InboundEventListResponse,
  InboundEventResponse,
  ListInboundEventsQueryDto,
  ReplayResponse,
} from './dto/inbound-event.dto';
export { ReceiveResponse } from './dto/receive.dto';
export {
  CreateSourceDto,
  GenerateWebhookDto,
  GeneratedWebhookResponse,
  InboundReplayRangeDto,
  ListSourcesQueryDto,
  RotateSourceSecretDto,
  SourceListResponse,
  SourceResponse,
  SourceWithSecretResponse,
  UpdateSourceDto,
} from './dto/source.dto';
export { InboundEventsService } from './inbound-events.service';
export { IngestionApiModule } from './ingestion-api.module';
export { IngestionModule } from './ingestion.module';
export { ReceiveService } from './receive.service';
export type { ReceivedRequest } from './receive.service';
export { SourceResolver } from './source-resolver';
export type { ReceiveTarget } from './source-resolver';
export { SourcesService } from './sources.service';
