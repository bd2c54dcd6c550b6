// Runs the monthly usage count in every worker every LICENSE_USAGE_INTERVAL_MS (and once at start). Runs overlap
// harmlessly: each tenant is counted under a lock, each notification claimed once. Needs no Redis, unlike the
// reconcile timers: counting goes on while Redis is away.
import { Injectable } from '@nestjs/common';
import { DatabaseTimer } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { UsageCounter } from './usage-counter';

@Injectable()
export class UsageCountTimer extends DatabaseTimer {
  constructor(
    @InjectConfig() config: ConduitConfig,
    private readonly counter: UsageCounter,
  ) {
    super(config.LICENSE_USAGE_INTERVAL_MS, 'counting usage');
  }

  protected async runOnce(): Promise<void> {
    const { events, notified } = await this.counter.countOnce();
    if (events > 0 || notified > 0) this.logger.debug({ events, notified }, 'usage counted');
  }
}
