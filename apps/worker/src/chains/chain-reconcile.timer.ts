import { Injectable } from '@nestjs/common';
import { ChainReconciler } from '@conduit/chains/engine';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { RedisAvailability } from '@conduit/queues';
import { ReconcileTimer } from '../reconcile-timer';

/** Re-queues chain steps that are due but have no job. */
@Injectable()
export class ChainReconcileTimer extends ReconcileTimer {
  constructor(@InjectConfig() config: ConduitConfig, reconciler: ChainReconciler, redis: RedisAvailability) {
    super(reconciler, config.CHAIN_RECONCILE_INTERVAL_MS, 'due chain steps', redis);
  }
}
