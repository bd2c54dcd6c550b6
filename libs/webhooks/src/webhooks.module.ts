import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Migrations } from '@conduit/database';
import { SecretsModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';
import { AnalyticsService } from './analytics.service';
import { DeliveryRollupSource } from './repositories/delivery-rollup-source';
import { DeliveriesService } from './deliveries.service';
import { DELIVERIES_QUEUE } from './delivery-job';
import { DeliveryScheduler } from './delivery-scheduler';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { EventEntity } from './entities/event.entity';
import { SubscriptionEntity } from './entities/subscription.entity';
import { EventHooks } from './event-hooks';
import { EventPublisher } from './event-publisher';
import { EventsService } from './events.service';
import { DeliveriesRepository } from './repositories/deliveries.repository';
import { EventsRepository } from './repositories/events.repository';
import { SubscriptionsRepository } from './repositories/subscriptions.repository';
import { WEBHOOKS_MIGRATIONS } from './migrations';
import { SubscriptionsService } from './subscriptions.service';
// Registers the webhooks subjects, their API-key scopes and each role's rules with @conduit/access.
import './webhooks.access';

/** Webhooks out, with its tables and deliveries queue. Needs QueuesModule (global) for the queues' connection. */
@Migrations(...WEBHOOKS_MIGRATIONS)
@Module({
  imports: [
    TypeOrmModule.forFeature([SubscriptionEntity, EventEntity, DeliveryEntity, DeliveryAttemptEntity]),
    BullModule.registerQueue({ name: DELIVERIES_QUEUE }),
    SecretsModule,
    TenantsModule,
  ],
  providers: [
    SubscriptionsRepository,
    EventsRepository,
    DeliveriesRepository,
    SubscriptionsService,
    EventsService,
    EventPublisher,
    DeliveriesService,
    DeliveryScheduler,
    AnalyticsService,
    DeliveryRollupSource,
    EventHooks,
  ],
  // The repositories too, for the delivery engine's module (DeliveryModule): other libs cannot name them.
  exports: [
    SubscriptionsRepository,
    EventsRepository,
    DeliveriesRepository,
    SubscriptionsService,
    EventsService,
    EventPublisher,
    DeliveriesService,
    DeliveryScheduler,
    AnalyticsService,
    DeliveryRollupSource,
    EventHooks,
  ],
})
export class WebhooksModule {}
