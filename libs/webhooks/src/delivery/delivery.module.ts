import { Module } from '@nestjs/common';
import { SecretsModule } from '@conduit/secrets';
import { WebhooksModule } from '../webhooks.module';
import { DeliveryEngine } from './delivery-engine';
import { DeliveryHttpClient } from './delivery-http-client';
import { DeliveryReconciler } from './delivery-reconciler';
import { DeliverySender } from './delivery-sender';
import { DeliveryStore } from '../repositories/delivery-store';
import { RetentionSweeper } from './retention-sweeper';
import { SubscriptionCredentials } from './subscription-credentials';
import { SubscriptionRateLimiter } from './subscription-rate-limiter';

/**
 * What sending a delivery takes (signing, the outbound client, claiming and recording rows): for the worker's engine
 * and for the API's test sends.
 */
@Module({
  imports: [WebhooksModule, SecretsModule],
  providers: [DeliverySender, DeliveryStore, DeliveryHttpClient, SubscriptionCredentials],
  exports: [WebhooksModule, DeliverySender, DeliveryStore, DeliveryHttpClient],
})
export class DeliverySendingModule {}

/**
 * The delivery side of webhooks, for the worker: needs QueuesModule (global) and AccessModule (global, for
 * EventsService).
 */
@Module({
  imports: [DeliverySendingModule],
  providers: [DeliveryEngine, DeliveryReconciler, RetentionSweeper, SubscriptionRateLimiter],
  exports: [DeliverySendingModule, DeliveryEngine, DeliveryReconciler, RetentionSweeper],
})
export class DeliveryModule {}
