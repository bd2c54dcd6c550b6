// Puts task runs on the tasks queue. Rows are the truth; a job only says "look at this run now".
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RedisAvailability } from '@conduit/queues';
import { TASK_RUNS_QUEUE, TaskRunJob, taskRunJobId } from './task-run-job';
import type { TenantId } from '@conduit/platform';

export interface ScheduledRun {
  tenantId: TenantId;
  runId: string;
  attempt: number;
}

@Injectable()
export class TaskRunScheduler {
  constructor(
    @InjectQueue(TASK_RUNS_QUEUE) private readonly queue: Queue<TaskRunJob>,
    private readonly redis: RedisAvailability,
  ) {}

  async enqueue(runs: ScheduledRun[]): Promise<void> {
    if (runs.length === 0) return;
    // While Redis is away this fails at once: the runs wait for the reconciler.
    const bulk = runs.map((r) => ({
      name: 'run',
      data: { tenant_id: r.tenantId, run_id: r.runId, attempt: r.attempt },
      // Retries are the task's own (error_handling), inside one claim.
      opts: { jobId: taskRunJobId(r.runId, r.attempt), attempts: 1, removeOnComplete: true, removeOnFail: true },
    }));
    await this.redis.call('queueing task runs', () => this.queue.addBulk(bulk));
  }
}
