import { Module } from '@nestjs/common';
import { TenantsModule } from '@conduit/tenants';
import { AnalyticsController } from './http/analytics.controller';
import { DeliveriesController } from './http/deliveries.controller';
import { EventsController } from './http/events.controller';
import { SeedWebhooksController } from './http/seed-webhooks.controller';
import { SubscriptionsController } from './http/subscriptions.controller';
import { WebhooksModule } from './webhooks.module';

/** Webhooks' routes (the seed's /api/webhooks, subscriptions, events, deliveries, analytics), for apps/api. */
@Module({
  imports: [WebhooksModule, TenantsModule],
  controllers: [
    SeedWebhooksController,
    SubscriptionsController,
    EventsController,
    DeliveriesController,
    AnalyticsController,
  ],
})
export class WebhooksApiModule {}
