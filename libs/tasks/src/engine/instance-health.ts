// Instance health (issue 18 point 8): a check runs the health_check of the instance (its task by tag, as a task run
// with source health_check, or a GET of its path with the instance's auth), records what it found on the instance and
// moves the verdict: after failure_threshold consecutive failures the instance is unhealthy (status error) and
// instance.unhealthy is published; the first success after that publishes instance.recovered. The verdict and its
// event are written in one transaction, and a scheduled check is claimed by moving its due time forward, so each
// transition is published once whatever the number of workers. POST /api/v1/instances/{id}/test runs a check now.
import { Injectable, Logger } from '@nestjs/common';
import { DatabaseTimer, SystemContext, TenantContext } from '@conduit/database';
import {
  HealthResult,
  InstanceEntity,
  InstanceHealthRepository,
  InstancesService,
  RecordedHealth,
} from '@conduit/integrations';
import { ConduitConfig, ConduitException, InjectConfig, TenantId } from '@conduit/platform';
import { EventsService, OPERATIONAL_SOURCE } from '@conduit/webhooks';
import { InstanceRateLimiter } from '../runs/instance-rate-limiter';
import { OAuth2TokenCache, executeTaskCall } from '../runs';
import { TaskRunsRepository } from '../repositories/task-runs.repository';
import { TaskRunsService } from '../task-runs.service';
import { TasksException } from '../tasks.exception';
import { instanceTaskCall } from './instance-call';
import { TaskHttpClient } from './task-http-client';
import { TaskRunner } from './task-runner';

const PATH_CHECK_TIMEOUT_MS = 10_000;
const CLAIM_BATCH = 50;

export interface HealthCheckOutcome {
  result: HealthResult;
  health: RecordedHealth | null;
}

@Injectable()
export class InstanceHealthChecker {
  private readonly logger = new Logger(InstanceHealthChecker.name);

  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly instances: InstancesService,
    private readonly health: InstanceHealthRepository,
    private readonly runsService: TaskRunsService,
    private readonly runs: TaskRunsRepository,
    private readonly runner: TaskRunner,
    private readonly http: TaskHttpClient,
    private readonly tokens: OAuth2TokenCache,
    private readonly limiter: InstanceRateLimiter,
    private readonly events: EventsService,
  ) {}

  /** Runs the instance's health check now and records it (404 when the instance does not exist). */
  async checkNow(tenantId: TenantId, instanceUuid: string): Promise<HealthCheckOutcome> {
    const row = await this.db.runInTenant(tenantId, () => this.instances.row(tenantId, instanceUuid));
    if (!row) throw new TasksException('instance_not_found', 'Instance not found');
    if (!row.health_check)
      throw new TasksException(
        'health_check_not_configured',
        'The instance has no health_check: set { task_tag } or { path } and interval_seconds',
      );
    return this.checkAndRecord(tenantId, row);
  }

  /** Every due scheduled check of every tenant; each is claimed by one worker. */
  async sweepOnce(): Promise<{ checked: number }> {
    const tenants = await this.system.run(
      'health_checks.sweep',
      (plane) => plane.tenantsWithDueWork({ kind: 'health_checks' }),
      { routine: true },
    );
    let checked = 0;
    for (const tenantId of tenants) {
      const claimed = await this.db.runInTenant(tenantId, () => this.health.claimDue(tenantId, CLAIM_BATCH));
      await Promise.all(
        claimed.map(async ({ id }) => {
          const row = await this.db.runInTenant(tenantId, () => this.instances.row(tenantId, id));
          if (!row?.health_check) return;
          await this.checkAndRecord(tenantId, row).catch((err: unknown) =>
            this.logger.warn({ instance_id: id, err: (err as Error).message }, 'health check could not be recorded'),
          );
          checked += 1;
        }),
      );
    }
    return { checked };
  }

  private async checkAndRecord(tenantId: TenantId, row: InstanceEntity): Promise<HealthCheckOutcome> {
    const result = await this.check(tenantId, row);
    const health = await this.db.runInTenant(tenantId, async () => {
      const recorded = await this.health.record(tenantId, row, result);
      if (recorded?.transition) {
        await this.events.publishInTenant(tenantId, {
          event_name: `instance.${recorded.transition}`,
          source: OPERATIONAL_SOURCE,
          payload: {
            instance_id: row.instance_id,
            instance_uuid: row.id,
            title: row.title,
            integration_uuid: row.integration_uuid,
            consecutive_failures: recorded.health_failures,
            status: recorded.status,
            last_result: result,
          },
        });
      }
      return recorded;
    });
    if (health?.transition)
      this.logger.warn({ instance_id: row.id, transition: health.transition }, `instance ${health.transition}`);
    return { result, health };
  }

  private async check(tenantId: TenantId, row: InstanceEntity): Promise<HealthResult> {
    const checkedAt = new Date();
    const started = Date.now();
    const outcome = (ok: boolean, statusCode: number | null, error: HealthResult['error'], runId: string | null) => ({
      ok,
      checked_at: checkedAt.toISOString(),
      duration_ms: Date.now() - started,
      status_code: statusCode,
      error,
      run_id: runId,
    });
    const check = row.health_check;
    if (check?.task_tag) {
      let runId: string;
      try {
        const owners = await this.runsService.owners(tenantId);
        runId = await this.db.runInTenant(tenantId, async () => {
          const { row: run } = await this.runsService.prepare(tenantId, owners, {
            instanceUuid: row.id,
            taskTag: check.task_tag as string,
            input: {},
            source: 'health_check',
          });
          await this.runs.insert(run);
          return run.id;
        });
      } catch (err) {
        if (err instanceof ConduitException)
          return outcome(false, null, { code: err.code, message: err.message }, null);
        throw err;
      }
      const { run } = await this.runner.runNow(tenantId, runId);
      if (!run) return outcome(false, null, { code: 'run_lost', message: 'the health check run disappeared' }, runId);
      return outcome(
        run.status === 'success',
        run.response_status,
        run.status === 'success' ? null : (run.error ?? { code: run.status, message: run.status }),
        runId,
      );
    }
    const opened = await this.db.runInTenant(tenantId, () => this.instances.openForRun(tenantId, row.id));
    if (!opened) return outcome(false, null, { code: 'instance_unavailable', message: 'the instance is gone' }, null);
    const result = await executeTaskCall(
      instanceTaskCall(opened, {
        runId: `health-${row.id}`,
        task: {
          task_tag: 'health_check',
          request: { method: 'GET', path: check?.path ?? '/', query: {}, headers: {}, body: null },
          output_fields: [],
          error_handling: { retries: 0, backoff: 'none', backoff_ms: 0, timeout_ms: PATH_CHECK_TIMEOUT_MS },
        },
        input: {},
        deps: {},
      }),
      {
        http: this.http,
        tokens: this.tokens,
        beforeSend: () => this.limiter.acquire(tenantId, row.id, row.rate_limit),
      },
    );
    return outcome(
      result.status === 'success',
      result.response_status,
      result.error ? { code: result.error.code, message: result.error.message } : null,
      null,
    );
  }
}

/** Runs the scheduled health checks in every worker process (each due check is claimed by one of them). */
@Injectable()
export class InstanceHealthTimer extends DatabaseTimer {
  constructor(
    @InjectConfig() config: ConduitConfig,
    private readonly checker: InstanceHealthChecker,
  ) {
    super(config.INSTANCE_HEALTH_SWEEP_INTERVAL_MS, 'health check sweep', false);
  }

  protected async runOnce(): Promise<void> {
    await this.checker.sweepOnce();
  }
}
