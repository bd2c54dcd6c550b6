// The worker's monthly usage count: per tenant, the events that entered since the last run (by their time, from a
// progress row, never all history again) into their month, the month's peaks of users and child tenants, then the
// events_per_month notifications. Runs more often than retention deletes rows, so every event is counted first.
import { Injectable, Logger } from '@nestjs/common';
import { SystemContext, TenantContext, isDatabaseUnavailable } from '@conduit/database';
import { Clock, TenantId } from '@conduit/platform';
import { USAGE_SOURCES, UsageCountingRepository, UsageSource } from '../repositories/usage-counting.repository';
import { UsageNotifier } from './usage-notifier';
import { monthDate, monthOf, monthsAfter } from './usage-month';

/**
 * Rows are counted once they are this old: they are stamped with their creator's clock at the start of a transaction
 * that commits a little later (a group commit, a routing batch), so the newest instants may still gain rows.
 */
export const USAGE_SETTLE_MS = 5 * 60_000;
const HOUR_MS = 3600_000;
/** Time counted per transaction while catching up: one transaction stays short however busy the tenant. */
const CHUNK_MS = 6 * HOUR_MS;
/** Transactions per tenant per run (62 days): a longer backlog goes on at the next run. */
const MAX_CHUNKS_PER_RUN = 4 * 62;

export interface UsageRunResult {
  tenants: number;
  /** Events counted by this run. */
  events: number;
  /** Notifications published by this run. */
  notified: number;
}

@Injectable()
export class UsageCounter {
  private readonly logger = new Logger(UsageCounter.name);

  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly counting: UsageCountingRepository,
    private readonly notifier: UsageNotifier,
    private readonly clock: Clock,
  ) {}

  /** One run over every live tenant, then the notifications of the months it counted into. */
  async countOnce(now: Date = this.clock.now()): Promise<UsageRunResult> {
    const horizon = new Date(now.getTime() - USAGE_SETTLE_MS);
    const tenants = await this.system.run(
      'licensing.usage_count',
      (plane) => plane.tenantIds({ includeDeleted: false }),
      {
        routine: true,
      },
    );
    let events = 0;
    for (const tenantId of tenants) {
      try {
        events += await this.countTenant(tenantId, horizon, now);
      } catch (err) {
        // One tenant's failure does not hold the others up; the database away stops the run (logged once upstream).
        if (isDatabaseUnavailable(err)) throw err;
        this.logger.warn({ tenant_id: tenantId, err: (err as Error).message }, 'counting usage failed');
      }
    }
    const months = [monthOf(horizon), monthOf(now)].filter(
      (m, i, all) => all.findIndex((o) => o.name === m.name) === i,
    );
    const notified = await this.notifier.notifyEventsQuota(months);
    return { tenants: tenants.length, events, notified };
  }

  private async countTenant(tenantId: TenantId, horizon: Date, now: Date): Promise<number> {
    let events = 0;
    for (let chunk = 0; chunk < MAX_CHUNKS_PER_RUN; chunk++) {
      const step = await this.db.runInTenant(tenantId, () => this.countChunk(tenantId, horizon, now, chunk === 0));
      events += step.events;
      if (step.done) break;
    }
    return events;
  }

  /** One transaction: the next stretch of each source (up to CHUNK_MS), and on the first, the month's peaks. */
  private async countChunk(
    tenantId: TenantId,
    horizon: Date,
    now: Date,
    first: boolean,
  ): Promise<{ done: boolean; events: number }> {
    // Another worker counting this tenant now does this work.
    if (!(await this.counting.tryLock(tenantId))) return { done: true, events: 0 };
    const progress = await this.counting.progress(tenantId);
    let done = true;
    let events = 0;
    for (const source of USAGE_SOURCES) {
      const from = progress.get(source) ?? (await this.start(tenantId, source, horizon));
      const to = new Date(Math.min(horizon.getTime(), from.getTime() + CHUNK_MS));
      // A first run records its progress even when there is nothing to count.
      if (to > from || !progress.has(source)) events += await this.counting.countRange(tenantId, source, from, to);
      if (to < horizon) done = false;
    }
    if (first) await this.counting.recordPeaks(tenantId, monthDate(monthOf(now)));
    return { done, events };
  }

  /**
   * Where a tenant's first count of a source starts: its oldest row still kept, but not before the previous month (an
   * installation that gains licensing reports the month before and this one; older rows are never read).
   */
  private async start(tenantId: TenantId, source: UsageSource, horizon: Date): Promise<Date> {
    const notBefore = monthsAfter(monthOf(horizon), -1).start;
    const first = await this.counting.firstRow(tenantId, source, notBefore);
    return first && first < horizon ? first : horizon;
  }
}
