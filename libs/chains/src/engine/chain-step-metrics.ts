// The chain steps' metrics, in the worker's registry: attempts by outcome and the HTTP exchange's duration.
import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '@conduit/platform';
import type { StepAttemptOutcome, StepOutcome } from './step-engine';

const STEP_OUTCOMES: StepOutcome[] = ['sent', 'failed', 'retrying', 'skipped', 'not_claimed', 'lease_lost'];
/** Seconds, for one HTTP exchange with a receiver (as for deliveries). */
const EXCHANGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

@Injectable()
export class ChainStepMetrics {
  private readonly chainSteps: Counter<'outcome'>;
  private readonly chainStepDuration: Histogram;

  constructor({ registry }: MetricsRegistry) {
    this.chainSteps = new Counter({
      name: 'conduit_chain_steps_total',
      help: 'Chain step attempts by outcome (sent, failed, retrying, skipped, not_claimed, lease_lost)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.chainStepDuration = new Histogram({
      name: 'conduit_chain_step_duration_seconds',
      help: 'Duration of the HTTP exchange of a chain step attempt',
      buckets: EXCHANGE_BUCKETS,
      registers: [registry],
    });
    for (const outcome of STEP_OUTCOMES) this.chainSteps.inc({ outcome }, 0);
  }

  observeChainStep(outcome: StepAttemptOutcome): void {
    this.chainSteps.inc({ outcome: outcome.outcome });
    if (outcome.durationMs !== undefined) this.chainStepDuration.observe(outcome.durationMs / 1000);
  }
}
