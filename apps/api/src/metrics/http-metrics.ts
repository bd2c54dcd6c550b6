// Prometheus registry for this process: HTTP counts and latencies by route pattern, process metrics, queue depths.
import { Injectable } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { QUEUE_NAMES } from '@conduit/queues';

const QUEUE_SCRAPE_TIMEOUT_MS = 2000;

@Injectable()
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'conduit_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'conduit_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(moduleRef: ModuleRef) {
    collectDefaultMetrics({ register: this.registry, prefix: 'conduit_' });
    // Queues are resolved at scrape time: they do not exist yet while this provider is constructed.
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

  observe(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }
}
