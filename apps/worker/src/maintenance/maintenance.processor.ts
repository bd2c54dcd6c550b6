import { Processor } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import IORedis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { Clock, ConduitConfig, InjectConfig } from '@conduit/platform';
import { AnalyticsRollups } from '@conduit/database';
import { InjectRedis, MaintenanceJob, QueueProcessor, QueueRunOptions, maintenanceJobSchema } from '@conduit/queues';
import { TaskRunRetention } from '@conduit/tasks/engine';
import { MonitorChecksRetention } from '@conduit/monitors/engine';
import { CaseRetention } from '@conduit/cases/engine';
import { RetentionSweeper } from '@conduit/webhooks/engine';
import { heartbeatKey, probeKey } from './heartbeat-key';

// Platform-wide housekeeping: no tenant_id here; tenant queues' processors run each job inside
// TenantContext.runInTenant().
@Processor('maintenance')
export class MaintenanceProcessor extends QueueProcessor {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    @InjectRedis() private readonly redis: IORedis,
    private readonly clock: Clock,
    private readonly retention: RetentionSweeper,
    private readonly taskRunRetention: TaskRunRetention,
    private readonly monitorChecksRetention: MonitorChecksRetention,
    private readonly caseRetention: CaseRetention,
    private readonly rollups: AnalyticsRollups,
  ) {
    super('maintenance');
  }

  protected runOptions(): QueueRunOptions {
    return { concurrency: this.config.WORKER_CONCURRENCY };
  }

  async process(job: Job<unknown>): Promise<void> {
    await this.run(this.payload(job, maintenanceJobSchema));
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
        const runs = await this.taskRunRetention.sweepOnce();
        if (runs.deleted > 0)
          this.logger.log({ deleted_task_runs: runs.deleted, tenants: runs.tenants }, 'task run retention sweep');
        const checks = await this.monitorChecksRetention.sweepOnce();
        if (checks.deleted > 0)
          this.logger.log({ deleted_monitor_checks: checks.deleted, tenants: checks.tenants }, 'retention sweep');
        const cases = await this.caseRetention.sweepOnce();
        if (cases.deleted_events + cases.deleted_cases > 0)
          this.logger.log(
            { deleted_case_events: cases.deleted_events, deleted_cases: cases.deleted_cases, tenants: cases.tenants },
            'case retention sweep',
          );
        return;
      }
      case 'analytics_rollup': {
        const result = await this.rollups.rollUpOnce();
        if (result.hours > 0) this.logger.log({ hours: result.hours, tenants: result.tenants }, 'analytics rollup');
        return;
      }
      default: {
        const unknown: never = job;
        throw new UnrecoverableError(`unknown maintenance job ${JSON.stringify(unknown)}`);
      }
    }
  }
}
