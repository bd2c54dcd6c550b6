import { Injectable } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { ReconcileTimer, RedisAvailability } from '@conduit/queues';
import { IngestionReconciler } from './ingestion-reconciler';

/** Re-queues accepted inbound requests that were never routed. */
@Injectable()
export class IngestionReconcileTimer extends ReconcileTimer {
  constructor(@InjectConfig() config: ConduitConfig, reconciler: IngestionReconciler, redis: RedisAvailability) {
    super(reconciler, config.WEBHOOK_RECONCILE_INTERVAL_MS, 'unrouted inbound requests', redis, false);
  }
}
