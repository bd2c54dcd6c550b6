import { Module } from '@nestjs/common';
import { DeliveryMetrics } from './delivery/delivery-metrics';
import { DeliveryReconcileTimer } from './delivery/delivery-reconcile.timer';
import { DeliveryModule } from './delivery/delivery.module';
import { DeliveryProcessor } from './delivery/delivery.processor';

/**
 * Webhooks' part of the worker: the deliveries queue's processor, its reconcile timer and metrics over the delivery
 * engine, for apps/worker (which also sweeps retention with the engine's RetentionSweeper, passed on here).
 */
@Module({
  imports: [DeliveryModule],
  providers: [DeliveryProcessor, DeliveryReconcileTimer, DeliveryMetrics],
  exports: [DeliveryModule],
})
export class WebhooksWorkerModule {}
