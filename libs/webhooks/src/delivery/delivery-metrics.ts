// The deliveries' metrics, in the worker's registry: attempts by outcome, the HTTP exchange's duration, and lag.
import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '@conduit/platform';
import type { AttemptOutcome, DeliveryOutcome } from './delivery-engine';

const OUTCOMES: DeliveryOutcome[] = ['delivered', 'failed', 'retrying', 'cancelled', 'skipped', 'deferred'];
/** Seconds, for one HTTP exchange with a receiver. */
const EXCHANGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

@Injectable()
export class DeliveryMetrics {
  private readonly deliveries: Counter<'outcome'>;
  private readonly attemptDuration: Histogram;
  private readonly lag: Histogram;

  constructor({ registry }: MetricsRegistry) {
    this.deliveries = new Counter({
      name: 'conduit_deliveries_total',
      help: 'Delivery attempts by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.attemptDuration = new Histogram({
      name: 'conduit_delivery_attempt_duration_seconds',
      help: 'Duration of the HTTP exchange of a delivery attempt',
      buckets: EXCHANGE_BUCKETS,
      registers: [registry],
    });
    this.lag = new Histogram({
      name: 'conduit_delivery_lag_seconds',
      help: 'How late an attempt started after its due time (next_attempt_at)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15, 60, 300, 1800],
      registers: [registry],
    });
    for (const outcome of OUTCOMES) this.deliveries.inc({ outcome }, 0);
  }

  observeAttempt(outcome: AttemptOutcome): void {
    this.deliveries.inc({ outcome: outcome.outcome });
    if (outcome.durationMs !== undefined) this.attemptDuration.observe(outcome.durationMs / 1000);
    if (outcome.lagMs !== undefined) this.lag.observe(outcome.lagMs / 1000);
  }
}
