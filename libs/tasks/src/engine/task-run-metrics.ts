// The task runs' metrics, in the worker's registry: runs by status, and their duration per task tag. Queue depth is
// the queues' own metric (conduit_queue_jobs{queue="tasks"}).
import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '@conduit/platform';
import { TASK_RUN_STATUSES, TaskRunStatus } from '../entities/task-run.entity';

const RUN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

@Injectable()
export class TaskRunMetrics {
  private readonly runs: Counter<'status'>;
  private readonly duration: Histogram<'task_tag'>;

  constructor({ registry }: MetricsRegistry) {
    this.runs = new Counter({
      name: 'conduit_task_runs_total',
      help: 'Task runs that ended, by status (success, failure, timeout, cancelled)',
      labelNames: ['status'] as const,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'conduit_task_run_duration_seconds',
      help: 'Duration of task runs (claim to record, dependencies included), by task tag',
      labelNames: ['task_tag'] as const,
      buckets: RUN_BUCKETS,
      registers: [registry],
    });
    for (const status of TASK_RUN_STATUSES)
      if (status !== 'queued' && status !== 'running') this.runs.inc({ status }, 0);
  }

  observe(status: TaskRunStatus, taskTag: string, seconds: number): void {
    this.runs.inc({ status });
    this.duration.observe({ task_tag: taskTag }, seconds);
  }
}
