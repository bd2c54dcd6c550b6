// The maintenance queue's schedules (heartbeat, retention sweep, analytics rollups) live in Redis. They are registered
// at start and checked again on the reconcile timer, so a Redis flush or restart that lost them does not stop
// heartbeats, retention or rollups until the next deploy. Registering is idempotent: every replica may do it.
import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import {
  ANALYTICS_ROLLUP_SCHEDULER_ID,
  HEARTBEAT_SCHEDULER_ID,
  MaintenanceJob,
  RETENTION_SCHEDULER_ID,
  ReconcileTimer,
  RedisAvailability,
} from '@conduit/queues';

interface Schedule {
  id: string;
  every: number;
  job: { name: string; data: MaintenanceJob };
}

@Injectable()
export class MaintenanceSchedules extends ReconcileTimer {
  constructor(
    @InjectConfig() config: ConduitConfig,
    @InjectQueue('maintenance') queue: Queue<MaintenanceJob>,
    redis: RedisAvailability,
  ) {
    const schedules: Schedule[] = [
      {
        id: HEARTBEAT_SCHEDULER_ID,
        every: config.HEARTBEAT_INTERVAL_MS,
        job: { name: 'heartbeat', data: { kind: 'heartbeat' } },
      },
      {
        id: RETENTION_SCHEDULER_ID,
        every: config.RETENTION_SWEEP_INTERVAL_MS,
        job: { name: 'retention', data: { kind: 'retention' } },
      },
      {
        id: ANALYTICS_ROLLUP_SCHEDULER_ID,
        every: config.ANALYTICS_ROLLUP_INTERVAL_MS,
        job: { name: 'analytics-rollup', data: { kind: 'analytics_rollup' } },
      },
    ];
    super(
      {
        // Only the missing ones: upserting a present schedule would move its next run.
        reconcileOnce: async () => {
          let enqueued = 0;
          for (const s of schedules) {
            // Bounded like every producer's call: the queue's own connection would otherwise wait for Redis.
            if (await redis.call('checking a schedule', () => queue.getJobScheduler(s.id))) continue;
            await redis.call('registering a schedule', () =>
              queue.upsertJobScheduler(
                s.id,
                { every: s.every },
                { ...s.job, opts: { removeOnComplete: 10, removeOnFail: 100 } },
              ),
            );
            enqueued += 1;
          }
          return { enqueued };
        },
      },
      config.WEBHOOK_RECONCILE_INTERVAL_MS,
      'maintenance schedules',
      redis,
    );
  }
}
