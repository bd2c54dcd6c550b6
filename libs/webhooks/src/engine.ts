// @conduit/webhooks/engine: webhooks' worker module, the delivery engine and what runs beside it, for the worker (and
// chain steps, which are sent like deliveries). The API composes @conduit/webhooks only.
export { DeliveryEngine } from './delivery/delivery-engine';
export type { AttemptOutcome } from './delivery/delivery-engine';
export { deliveryHttpOptions } from './delivery/delivery-http-client';
export { DeliveryReconciler } from './delivery/delivery-reconciler';
export { REDACTED, buildDeliveryRequest, webhookSecretKeyBytes } from './delivery/delivery-request';
export { DeliveryModule } from './delivery/delivery.module';
export { RetentionSweeper } from './delivery/retention-sweeper';
export { WebhooksWorkerModule } from './webhooks-worker.module';
export { SubscriptionCredentials } from './delivery/subscription-credentials';
export type { OpenedCredentials, SealedSubscription } from './delivery/subscription-credentials';
export { DeliveryRollupSource } from './repositories/delivery-rollup-source';
