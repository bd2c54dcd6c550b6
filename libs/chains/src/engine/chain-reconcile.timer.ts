import { Injectable } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { ReconcileTimer, RedisAvailability } from '@conduit/queues';
import { ChainReconciler } from './chain-reconciler';

/** Re-queues chain steps that are due but have no job. */
@Injectable()
export class ChainReconcileTimer extends ReconcileTimer {
  constructor(@InjectConfig() config: ConduitConfig, reconciler: ChainReconciler, redis: RedisAvailability) {
    super(reconciler, config.CHAIN_RECONCILE_INTERVAL_MS, 'due chain steps', redis);
  }
}
