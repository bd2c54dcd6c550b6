// The API's metrics: HTTP counts and latencies by route pattern, beside process metrics, queue depths and the database
// pool's (PoolMetrics, registered by DatabaseModule), in the app's registry (MetricsRegistry).
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Counter, Histogram, Registry } from 'prom-client';
import { MetricsRegistry } from '@conduit/platform';
import { registerProcessAndQueueMetrics } from '@conduit/queues';

@Injectable()
export class HttpMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  /**
   * Each route's series, found once: prom-client hashes the labels on every observation otherwise. Bounded by routes
   * (their patterns, or "unmatched"), methods and statuses.
   */
  private readonly series = new Map<
    string,
    { requests: ReturnType<HttpMetrics['requests']['labels']>; duration: ReturnType<HttpMetrics['duration']['labels']> }
  >();

  constructor(metrics: MetricsRegistry, moduleRef: ModuleRef) {
    this.registry = metrics.registry;
    this.requests = new Counter({
      name: 'conduit_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'conduit_http_request_duration_seconds',
      help: 'HTTP request duration by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    registerProcessAndQueueMetrics(this.registry, moduleRef);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      this.series.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
  }
}
