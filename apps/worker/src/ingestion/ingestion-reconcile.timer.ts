import { Injectable } from '@nestjs/common';
import { IngestionReconciler } from '@conduit/ingestion/engine';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { RedisAvailability } from '@conduit/queues';
import { ReconcileTimer } from '../reconcile-timer';

/** Re-queues accepted inbound requests that were never routed. */
@Injectable()
export class IngestionReconcileTimer extends ReconcileTimer {
  constructor(@InjectConfig() config: ConduitConfig, reconciler: IngestionReconciler, redis: RedisAvailability) {
    super(reconciler, config.WEBHOOK_RECONCILE_INTERVAL_MS, 'unrouted inbound requests', redis, false);
  }
}
