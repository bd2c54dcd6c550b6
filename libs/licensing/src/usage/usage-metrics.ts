// conduit_license_events_this_month in the API's registry: the installation's events counted into the current month
// (UTC) so far, read at scrape time from what the worker counted (license_installation_months).
import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { SystemContext } from '@conduit/database';
import { Clock, MetricsRegistry } from '@conduit/platform';
import { UsageRepository } from '../repositories/usage.repository';
import { monthDate, monthOf } from './usage-month';

@Injectable()
export class UsageMetrics {
  private readonly logger = new Logger(UsageMetrics.name);

  constructor({ registry }: MetricsRegistry, system: SystemContext, usage: UsageRepository, clock: Clock) {
    const logger = this.logger;
    new Gauge({
      name: 'conduit_license_events_this_month',
      help: 'Events of the whole installation counted into the current month (UTC) for the events_per_month quota (published through the API and received by the ingestion endpoints; counted by the worker a few minutes behind)',
      registers: [registry],
      async collect() {
        const month = monthDate(monthOf(clock.now()));
        try {
          this.set(
            await system.run('licensing.events_gauge', () => usage.installationEvents(month), { routine: true }),
          );
        } catch (err) {
          // The scrape still answers (with the last value); the database's own metrics say why.
          logger.debug({ err: (err as Error).message }, 'reading the events of this month failed');
        }
      },
    });
  }
}
