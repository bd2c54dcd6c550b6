import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { QueueProcessor, QueueRunOptions } from '@conduit/queues';
import { TASK_RUNS_QUEUE, taskRunJobSchema } from '../task-run-job';
import { TaskRunner } from './task-runner';

// BullMQ's own job lock: a crashed worker's job goes back to the queue after this long. The run's lease (renewed while
// it goes on) is what keeps a second worker off it; this only bounds how long a dead worker's job waits.
const MAX_LOCK_MS = 30_000;

// A job is one claim of one run; the rules live in TaskRunner, this adapts it to BullMQ.
@Processor(TASK_RUNS_QUEUE, { autorun: false })
export class TaskRunProcessor extends QueueProcessor {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly runner: TaskRunner,
  ) {
    super('task run');
  }

  protected runOptions(): QueueRunOptions {
    return {
      concurrency: this.config.TASK_RUN_CONCURRENCY,
      lockMs: Math.min(MAX_LOCK_MS, this.config.TASK_LEASE_SECONDS * 1000),
    };
  }

  async process(job: Job<unknown>): Promise<void> {
    const outcome = await this.runner.attempt(this.payload(job, taskRunJobSchema));
    if (outcome === 'lease_lost')
      this.logger.warn({ job: job.id }, 'task run lease lost (cancelled or taken over); its result was not recorded');
  }
}
