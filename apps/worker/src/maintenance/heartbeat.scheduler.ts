// Registers the heartbeat schedule; upsert is idempotent, so every replica may do it at start.
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { HEARTBEAT_SCHEDULER_ID, MaintenanceJob } from '@conduit/queues';

@Injectable()
export class HeartbeatScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    @InjectQueue('maintenance') private readonly queue: Queue<MaintenanceJob>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      HEARTBEAT_SCHEDULER_ID,
      { every: this.config.HEARTBEAT_INTERVAL_MS },
      { name: 'heartbeat', data: { kind: 'heartbeat' }, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    );
  }
}
