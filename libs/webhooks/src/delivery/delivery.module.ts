import { Module } from '@nestjs/common';
import { SecretsModule } from '@conduit/secrets';
import { WebhooksModule } from '../webhooks.module';
import { DeliveryEngine } from './delivery-engine';
import { DeliveryHttpClient } from './delivery-http-client';
import { DeliveryReconciler } from './delivery-reconciler';
import { DeliveryStore } from '../repositories/delivery-store';
import { RetentionSweeper } from './retention-sweeper';
import { SubscriptionCredentials } from './subscription-credentials';
import { SubscriptionRateLimiter } from './subscription-rate-limiter';

/**
 * The delivery side of webhooks, for the worker: needs QueuesModule (global) and AccessModule (global, for
 * EventsService).
 */
@Module({
  imports: [WebhooksModule, SecretsModule],
  providers: [
    DeliveryEngine,
    DeliveryStore,
    DeliveryHttpClient,
    DeliveryReconciler,
    RetentionSweeper,
    SubscriptionCredentials,
    SubscriptionRateLimiter,
  ],
  exports: [WebhooksModule, DeliveryEngine, DeliveryReconciler, RetentionSweeper, DeliveryHttpClient],
})
export class DeliveryModule {}
