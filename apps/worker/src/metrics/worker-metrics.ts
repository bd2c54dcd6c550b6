// Prometheus registry of the worker process: delivery outcomes, attempt latency, lag, queue depths, process metrics.
import { Injectable } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { QUEUE_NAMES } from '@conduit/queues';
import type { AttemptOutcome, DeliveryOutcome } from '@conduit/webhooks';

const QUEUE_SCRAPE_TIMEOUT_MS = 2000;
const OUTCOMES: DeliveryOutcome[] = ['delivered', 'failed', 'retrying', 'cancelled', 'skipped', 'deferred'];

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
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly lag = new Histogram({
    name: 'conduit_delivery_lag_seconds',
    help: 'How late an attempt started after its due time (next_attempt_at)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  constructor(moduleRef: ModuleRef) {
    collectDefaultMetrics({ register: this.registry, prefix: 'conduit_' });
    for (const outcome of OUTCOMES) this.deliveries.inc({ outcome }, 0);
    const queues = () => QUEUE_NAMES.map((name) => moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    new Gauge({
      name: 'conduit_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        // A scrape must not hang on an unreachable Redis: queue depths are skipped after a short wait.
        await Promise.race([
          Promise.all(
            queues().map(async (queue) => {
              const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
              for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
            }),
          ),
          new Promise((resolve) => setTimeout(resolve, QUEUE_SCRAPE_TIMEOUT_MS).unref()),
        ]);
      },
    });
  }

  observeAttempt(outcome: AttemptOutcome): void {
    this.deliveries.inc({ outcome: outcome.outcome });
    if (outcome.durationMs !== undefined) this.attemptDuration.observe(outcome.durationMs / 1000);
    if (outcome.lagMs !== undefined) this.lag.observe(outcome.lagMs / 1000);
  }
}
