// Puts step attempts on the chain-steps queue. Rows are the truth; a job only says "look at this step run now".
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RedisAvailability } from '@conduit/queues';
import { CHAIN_STEPS_QUEUE, ChainStepJob, chainStepJobId } from './chain-step-job';
import type { TenantId } from '@conduit/platform';

export interface ScheduledStep {
  tenantId: TenantId;
  runId: string;
  stepRunId: string;
  attempt: number;
  delayMs?: number;
}

@Injectable()
export class ChainStepScheduler {
  constructor(
    @InjectQueue(CHAIN_STEPS_QUEUE) private readonly queue: Queue<ChainStepJob>,
    private readonly redis: RedisAvailability,
  ) {}

  async enqueue(steps: ScheduledStep[]): Promise<void> {
    if (steps.length === 0) return;
    // While Redis is away this fails at once (QueueUnavailableError): the step runs wait for the reconciler.
    const bulk = steps.map((s) => ({
      name: 'step',
      data: { tenant_id: s.tenantId, run_id: s.runId, step_run_id: s.stepRunId, attempt: s.attempt },
      opts: {
        jobId: chainStepJobId(s.stepRunId, s.attempt),
        delay: Math.max(0, Math.round(s.delayMs ?? 0)),
        // Retries are the step's own (on_failure_action), recorded on the row and scheduled by the engine.
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: true,
      },
    }));
    await this.redis.call('queueing chain steps', () => this.queue.addBulk(bulk));
  }
}
