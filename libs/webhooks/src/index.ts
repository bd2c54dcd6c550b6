// The public surface of @conduit/webhooks: only what other packages use. Everything else is internal.
export type { DeliveryJob } from './delivery-job';
export { DeliveryScheduler } from './delivery-scheduler';
export { EmptyBodyDto } from './dto/subscription.dto';
export { EventEntity } from './entities/event.entity';
export { EventHooks } from './event-hooks';
export { OPERATIONAL_SOURCE, ROUTED_SOURCE_PREFIX } from './operational-source';
export { EVENT_NAME, assertEventPatterns, assertValidFilter, matchesFilter, matchingPatterns } from './event-matching';
export { EventsService } from './events.service';
export type { PublishInput } from './events.service';
export { PublishGroupCommit } from './publish-group-commit';
export { SubscriptionsService, secretAad } from './subscriptions.service';
export { WebhookException } from './webhook.exception';
export { WebhooksApiModule } from './webhooks-api.module';
export { WebhooksModule } from './webhooks.module';
// For transfer: the routes' bodies, and what the export reads.
export { CreateSubscriptionDto, UpdateSubscriptionDto } from './dto/subscription.dto';
export type { SubscriptionResponse } from './dto/subscription.dto';
