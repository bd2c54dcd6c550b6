import { Injectable } from '@nestjs/common';
import { ChainReconciler } from '@conduit/chains';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { ReconcileTimer } from '../reconcile-timer';

/** Re-queues chain steps that are due but have no job. */
@Injectable()
export class ChainReconcileTimer extends ReconcileTimer {
  constructor(@InjectConfig() config: ConduitConfig, reconciler: ChainReconciler) {
    super(reconciler, config.CHAIN_RECONCILE_INTERVAL_MS, 'due chain steps');
  }
}
