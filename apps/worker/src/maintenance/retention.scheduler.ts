// Registers the retention sweep's schedule; upsert is idempotent, so every replica may do it at start.
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { MaintenanceJob, RETENTION_SCHEDULER_ID } from '@conduit/queues';

@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    @InjectQueue('maintenance') private readonly queue: Queue<MaintenanceJob>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      RETENTION_SCHEDULER_ID,
      { every: this.config.RETENTION_SWEEP_INTERVAL_MS },
      { name: 'retention', data: { kind: 'retention' }, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    );
  }
}
