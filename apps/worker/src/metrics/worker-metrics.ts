// The worker's metrics registry: process metrics and queue depths here; the domains' worker modules add their jobs'
// outcomes to the same registry (MetricsRegistry), e.g. conduit_deliveries_total from @conduit/webhooks/engine, and
// DatabaseModule its pool's (PoolMetrics).
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Registry } from 'prom-client';
import { MetricsRegistry } from '@conduit/platform';
import { registerProcessAndQueueMetrics } from '@conduit/queues';

@Injectable()
export class WorkerMetrics {
  readonly registry: Registry;

  constructor(metrics: MetricsRegistry, moduleRef: ModuleRef) {
    this.registry = metrics.registry;
    registerProcessAndQueueMetrics(this.registry, moduleRef);
  }
}
