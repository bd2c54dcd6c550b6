// Metrics every Conduit process exposes: Node/process defaults and the depth of each queue by state.
import type { ModuleRef } from '@nestjs/core';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RedisAvailability } from './redis-availability';
import { RegisteredQueues } from './registered-queues';

const QUEUE_SCRAPE_TIMEOUT_MS = 2000;

export function registerProcessAndQueueMetrics(registry: Registry, moduleRef: ModuleRef): void {
  collectDefaultMetrics({ register: registry, prefix: 'conduit_' });
  // Queues are resolved at scrape time: they do not exist yet while metric providers are constructed.
  const queues = () => moduleRef.get(RegisteredQueues, { strict: false }).all();
  const redis = () => moduleRef.get(RedisAvailability, { strict: false });
  new Gauge({
    name: 'conduit_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      // While Redis is away the depths are unknown: the series are left out rather than showing the last values seen.
      if (redis().isDown) {
        this.reset();
        return;
      }
      // A scrape must not hang or fail on an unreachable Redis: queue depths are skipped after a short wait.
      await Promise.race([
        Promise.all(
          queues().map(async (queue) => {
            const counts = await queue.getJobCounts(
              'waiting',
              'active',
              'delayed',
              'failed',
              'completed',
              'prioritized',
            );
            for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
          }),
        ).catch(() => this.reset()),
        new Promise((resolve) => setTimeout(resolve, QUEUE_SCRAPE_TIMEOUT_MS).unref()),
      ]);
    },
  });
}
