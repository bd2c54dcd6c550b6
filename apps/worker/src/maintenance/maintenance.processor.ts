import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import IORedis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseAvailability } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig } from '@conduit/platform';
import { InjectRedis, MaintenanceJob } from '@conduit/queues';
import { RetentionSweeper } from '@conduit/webhooks/engine';
import { heartbeatKey, probeKey } from './heartbeat-key';
import { maintenanceJobSchema } from './maintenance-job.schema';

// Platform-wide housekeeping: no tenant_id here; tenant queues' processors run each job inside
// TenantContext.runInTenant().
@Processor('maintenance')
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    @InjectRedis() private readonly redis: IORedis,
    private readonly clock: Clock,
    private readonly retention: RetentionSweeper,
    private readonly database: DatabaseAvailability,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Decorator options are fixed at import time, before configuration exists.
    this.worker.concurrency = this.config.WORKER_CONCURRENCY;
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Drain here, not in onApplicationShutdown: that is where the DB pool and Redis client that running jobs use are
    // closed.
    // close() stops fetching and resolves once every active job has completed.
    await this.worker.close();
  }

  async process(job: Job<unknown>): Promise<void> {
    const parsed = maintenanceJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid maintenance job: ${parsed.error.message}`);
    await this.run(parsed.data);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    // A database outage is logged once, not with each job it failed.
    if (!this.database.notice(err))
      this.logger.warn({ job_id: job?.id, job_name: job?.name, err: err.message }, 'maintenance job failed');
  }

  private async run(job: MaintenanceJob): Promise<void> {
    const prefix = this.config.REDIS_PREFIX;
    switch (job.kind) {
      case 'heartbeat':
        await this.redis.set(
          heartbeatKey(prefix),
          this.clock.now().toISOString(),
          'PX',
          this.config.HEARTBEAT_INTERVAL_MS * 3,
        );
        return;
      case 'probe':
        await sleep(job.hold_ms);
        await this.redis.set(probeKey(prefix, job.marker), 'done', 'EX', 3600);
        return;
      case 'retention': {
        const result = await this.retention.sweepRetentionOnce();
        if (result.deleted > 0)
          this.logger.log({ deleted_events: result.deleted, tenants: result.tenants }, 'retention sweep');
        return;
      }
      default: {
        const unknown: never = job;
        throw new UnrecoverableError(`unknown maintenance job ${JSON.stringify(unknown)}`);
      }
    }
  }
}
