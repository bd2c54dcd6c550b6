import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { AnalyticsService } from './analytics.service';
import { DeliveryRollupSource } from './delivery-rollup-source';
import { DeliveriesService } from './deliveries.service';
import { DeliveryScheduler } from './delivery-scheduler';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { EventEntity } from './entities/event.entity';
import { SubscriptionEntity } from './entities/subscription.entity';
import { EventHooks } from './event-hooks';
import { EventsService } from './events.service';
import { SubscriptionsService } from './subscriptions.service';

/** Webhooks out. Needs QueuesModule (global) for the deliveries queue. */
@Module({
  imports: [
    TypeOrmModule.forFeature([SubscriptionEntity, EventEntity, DeliveryEntity, DeliveryAttemptEntity]),
    SecretsModule,
    TenantsModule,
  ],
  providers: [
    SubscriptionsService,
    EventsService,
    DeliveriesService,
    DeliveryScheduler,
    AnalyticsService,
    DeliveryRollupSource,
    EventHooks,
  ],
  exports: [
    SubscriptionsService,
    EventsService,
    DeliveriesService,
    DeliveryScheduler,
    AnalyticsService,
    DeliveryRollupSource,
    EventHooks,
  ],
})
export class WebhooksModule {}
