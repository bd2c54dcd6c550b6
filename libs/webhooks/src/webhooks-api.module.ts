import { Module } from '@nestjs/common';
import { AuditModule } from '@conduit/audit';
import { TenantsModule } from '@conduit/tenants';
import { DeliverySendingModule } from './delivery/delivery.module';
import { AnalyticsController } from './http/analytics.controller';
import { DeliveriesController } from './http/deliveries.controller';
import { EventsController } from './http/events.controller';
import { SeedWebhooksController } from './http/seed-webhooks.controller';
import { SubscriptionsController } from './http/subscriptions.controller';
import { PublishGroupCommit } from './publish-group-commit';
import { PublishGroupRepository } from './repositories/publish-group.repository';
import { TestSender } from './test-sender';
import { WebhooksModule } from './webhooks.module';

/**
 * Webhooks' routes (the seed's /api/webhooks, subscriptions, events, deliveries, analytics), for apps/api; test sends
 * go out from the API itself, through the deliveries' sending path, and POST /api/v1/events is group-committed.
 */
@Module({
  imports: [WebhooksModule, TenantsModule, DeliverySendingModule, AuditModule],
  providers: [TestSender, PublishGroupCommit, PublishGroupRepository],
  controllers: [
    SeedWebhooksController,
    SubscriptionsController,
    EventsController,
    DeliveriesController,
    AnalyticsController,
  ],
})
export class WebhooksApiModule {}
