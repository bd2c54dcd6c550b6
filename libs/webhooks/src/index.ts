// The public surface of @conduit/webhooks: only what other packages use. Everything else is internal.
export { AnalyticsService } from './analytics.service';
export { DeliveriesService } from './deliveries.service';
export type { DeliveryJob } from './delivery-job';
export { DeliveryScheduler } from './delivery-scheduler';
export { DeliveryAnalyticsQueryDto, DeliveryAnalyticsResponse } from './dto/analytics.dto';
export {
  DeliveryDetailResponse,
  DeliveryListResponse,
  DeliveryResponse,
  EventDetailResponse,
  EventListResponse,
  ListDeliveriesQueryDto,
  ListEventsQueryDto,
  PublishEventDto,
  PublishedEventResponse,
  RecoverResponse,
  SeedPublishEventDto,
} from './dto/event.dto';
export {
  CreateSubscriptionDto,
  EmptyBodyDto,
  ListSubscriptionsQueryDto,
  RecoverDto,
  SeedListSubscriptionsQueryDto,
  SeedSubscribeDto,
  SubscriptionListResponse,
  SubscriptionResponse,
  SubscriptionWithSecretResponse,
  TestEventDto,
  UpdateSubscriptionDto,
} from './dto/subscription.dto';
export { EventEntity } from './entities/event.entity';
export { EventHooks } from './event-hooks';
export { EVENT_NAME, assertEventPatterns, assertValidFilter, matchesFilter, matchingPatterns } from './event-matching';
export { EventsService } from './events.service';
export type { PublishInput } from './events.service';
export { SubscriptionsService, secretAad } from './subscriptions.service';
export { WebhookException } from './webhook.exception';
export { WebhooksApiModule } from './webhooks-api.module';
export { WebhooksModule } from './webhooks.module';
