import { Injectable } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { ReconcileTimer, RedisAvailability } from '@conduit/queues';
import { DeliveryReconciler } from './delivery-reconciler';

/** Re-queues deliveries that are due but have no job, and those whose lease expired. */
@Injectable()
export class DeliveryReconcileTimer extends ReconcileTimer {
  constructor(@InjectConfig() config: ConduitConfig, reconciler: DeliveryReconciler, redis: RedisAvailability) {
    super(reconciler, config.WEBHOOK_RECONCILE_INTERVAL_MS, 'due deliveries', redis);
  }
}
