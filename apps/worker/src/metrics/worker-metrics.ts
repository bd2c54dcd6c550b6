// Prometheus registry of the worker process: delivery and chain-step outcomes, attempt latency, lag, queue depths,
// process metrics.
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Counter, Histogram, Registry } from 'prom-client';
import { registerProcessAndQueueMetrics } from '@conduit/queues';
import type { StepAttemptOutcome, StepOutcome } from '@conduit/chains/engine';
import type { AttemptOutcome, DeliveryOutcome } from '@conduit/webhooks/engine';

const OUTCOMES: DeliveryOutcome[] = ['delivered', 'failed', 'retrying', 'cancelled', 'skipped', 'deferred'];
const STEP_OUTCOMES: StepOutcome[] = ['sent', 'failed', 'retrying', 'skipped', 'not_claimed', 'lease_lost'];
// Seconds, for one HTTP exchange with a receiver.
const EXCHANGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly deliveries = new Counter({
    name: 'conduit_deliveries_total',
    help: 'Delivery attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly attemptDuration = new Histogram({
    name: 'conduit_delivery_attempt_duration_seconds',
    help: 'Duration of the HTTP exchange of a delivery attempt',
    buckets: EXCHANGE_BUCKETS,
    registers: [this.registry],
  });
  private readonly lag = new Histogram({
    name: 'conduit_delivery_lag_seconds',
    help: 'How late an attempt started after its due time (next_attempt_at)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  private readonly chainSteps = new Counter({
    name: 'conduit_chain_steps_total',
    help: 'Chain step attempts by outcome (sent, failed, retrying, skipped, not_claimed, lease_lost)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly chainStepDuration = new Histogram({
    name: 'conduit_chain_step_duration_seconds',
    help: 'Duration of the HTTP exchange of a chain step attempt',
    buckets: EXCHANGE_BUCKETS,
    registers: [this.registry],
  });

  constructor(moduleRef: ModuleRef) {
    registerProcessAndQueueMetrics(this.registry, moduleRef);
    for (const outcome of OUTCOMES) this.deliveries.inc({ outcome }, 0);
    for (const outcome of STEP_OUTCOMES) this.chainSteps.inc({ outcome }, 0);
  }

  observeChainStep(outcome: StepAttemptOutcome): void {
    this.chainSteps.inc({ outcome: outcome.outcome });
    if (outcome.durationMs !== undefined) this.chainStepDuration.observe(outcome.durationMs / 1000);
  }

  observeAttempt(outcome: AttemptOutcome): void {
    this.deliveries.inc({ outcome: outcome.outcome });
    if (outcome.durationMs !== undefined) this.attemptDuration.observe(outcome.durationMs / 1000);
    if (outcome.lagMs !== undefined) this.lag.observe(outcome.lagMs / 1000);
  }
}
