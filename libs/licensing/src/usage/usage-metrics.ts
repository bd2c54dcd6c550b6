// conduit_license_events_this_month in the API's registry: the installation's events counted into the current month
// (UTC) so far, as the worker counted them (license_installation_months).
//
// A scrape never waits for the database: it answers the last value read and, when that is older than a few seconds
// (or of another month), reads it again in the background for the next scrape. A scrape while every connection of the
// pool is held (what the pool's own metrics are for) answers at once, and nothing reads the database between scrapes.
import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { SystemContext } from '@conduit/database';
import { Clock, MetricsRegistry } from '@conduit/platform';
import { UsageRepository } from '../repositories/usage.repository';
import { monthDate, monthOf } from './usage-month';

/** How old the value read may get before a scrape reads it again (the count itself runs every minute or so). */
const REREAD_AFTER_MS = 5_000;

@Injectable()
export class UsageMetrics {
  private readonly logger = new Logger(UsageMetrics.name);
  private last: { month: string; events: number; readAt: number } | null = null;
  private reading: Promise<void> | undefined;

  constructor(
    { registry }: MetricsRegistry,
    private readonly system: SystemContext,
    private readonly usage: UsageRepository,
    private readonly clock: Clock,
  ) {
    const eventsThisMonth = () => this.eventsThisMonth();
    new Gauge({
      name: 'conduit_license_events_this_month',
      help: 'Events of the whole installation counted into the current month (UTC) for the events_per_month quota (published through the API and received by the ingestion endpoints; counted by the worker a few minutes behind)',
      registers: [registry],
      collect() {
        this.set(eventsThisMonth());
      },
    });
  }

  /** The last value read for the current month (0 until one is), and a read in the background when it is stale. */
  private eventsThisMonth(): number {
    const month = monthDate(monthOf(this.clock.now()));
    const last = this.last?.month === month ? this.last : null;
    // Cache age in the process's own time: the clock may be moved, the cache's age may not.
    if (!this.reading && (!last || performance.now() - last.readAt >= REREAD_AFTER_MS)) {
      this.reading = this.read(month).finally(() => (this.reading = undefined));
    }
    return last?.events ?? 0;
  }

  private async read(month: string): Promise<void> {
    try {
      const events = await this.system.run('licensing.events_gauge', () => this.usage.installationEvents(month), {
        routine: true,
      });
      this.last = { month, events, readAt: performance.now() };
    } catch (err) {
      // The last value stays; the database's own metrics say why.
      this.logger.debug({ err: (err as Error).message }, 'reading the events of this month failed');
    }
  }
}
