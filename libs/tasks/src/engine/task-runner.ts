// One claim of one task run: take the run (a lease renewed every second while it goes on), open what it needs (the
// instance with its secrets, the integration's tasks, the sealed input), run the dependencies in order and then the
// task through executeTaskCall, and record the result while the lease is still this claim's. A job only says "look at
// this run now": a stale or duplicate job claims nothing, a finished run is never run again, and a run whose worker
// died is claimed again once its lease expires (the claim counts; after MAX_CLAIMS the run fails without another
// call). Cancelling a run (the API sets it cancelled) makes the next heartbeat find nothing: the call is aborted.
import { Injectable, Logger } from '@nestjs/common';
import { TenantContext, isDatabaseUnavailable } from '@conduit/database';
import { InstanceEntity, InstancesService } from '@conduit/integrations';
import { ConduitConfig, InjectConfig, TenantId, credentialScrubber } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { TenantHierarchy } from '@conduit/tenants';
import { RecordedCall, TaskRunEntity, TaskRunError, TaskRunStatus } from '../entities/task-run.entity';
import { TaskEntity } from '../entities/task.entity';
import { ClaimedRun, TaskRunResult, TaskRunsRepository } from '../repositories/task-runs.repository';
import { TasksRepository } from '../repositories/tasks.repository';
import { dependencyOrder } from '../runs/dependency-order';
import { InstanceRateLimiter } from '../runs/instance-rate-limiter';
import { OAuth2TokenCache, TaskCallResult, executeTaskCall } from '../runs';
import type { TaskRunJob } from '../task-run-job';
import { RUNNABLE_INSTANCE, runInputAad } from '../task-runs.service';
import { instanceTaskCall } from './instance-call';
import { TaskHttpClient } from './task-http-client';
import { TaskRunMetrics } from './task-run-metrics';

/** Claims of one run (workers that took it and died, then the last) before it fails without another call. */
export const MAX_CLAIMS = 4;
const HEARTBEAT_MS = 1000;

export type RunOutcome = TaskRunStatus | 'not_claimed' | 'lease_lost';

@Injectable()
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly runs: TaskRunsRepository,
    private readonly tasks: TasksRepository,
    private readonly instances: InstancesService,
    private readonly hierarchy: TenantHierarchy,
    private readonly secrets: SecretBox,
    private readonly http: TaskHttpClient,
    private readonly tokens: OAuth2TokenCache,
    private readonly limiter: InstanceRateLimiter,
    private readonly metrics: TaskRunMetrics,
  ) {}

  /** A job of the tasks queue. */
  async attempt(job: TaskRunJob): Promise<RunOutcome> {
    const tenantId = job.tenant_id;
    // The tenants above (for a shared integration's tasks) are read alongside the claim: they need only the job.
    const [claim, lineage] = await Promise.all([
      this.runs.claim(tenantId, job.run_id, job.attempt, this.config.TASK_LEASE_SECONDS),
      this.hierarchy.lineage(tenantId),
    ]);
    if (!claim) return 'not_claimed';
    return this.execute(claim, lineage.slice(1));
  }

  /**
   * Runs a written, queued run now, in this process (a chain's task step runs its task this way): the claim is the
   * same as a job's, so the reconciler covers this process dying.
   */
  async runNow(tenantId: TenantId, runId: string): Promise<{ outcome: RunOutcome; run: TaskRunEntity | null }> {
    const outcome = await this.attempt({ tenant_id: tenantId, run_id: runId, attempt: 1 });
    const run = await this.db.runInTenant(tenantId, () => this.runs.find(tenantId, runId));
    return { outcome, run };
  }

  private async execute(claim: ClaimedRun, owners: TenantId[]): Promise<RunOutcome> {
    const started = Date.now();
    const abort = new AbortController();
    let token = claim.lease_token;
    let lost = false;
    // Heartbeats run one after another, and the record waits for the last one: a record sent while a heartbeat is
    // moving the lease would hold the old token and miss its own run.
    let beating: Promise<void> = Promise.resolve();
    const heartbeat = async (): Promise<void> => {
      try {
        const next = await this.runs.heartbeat(claim.tenant_id, claim.id, token, this.config.TASK_LEASE_SECONDS);
        if (next) token = next;
        else if (!lost) {
          // Cancelled, or another worker took it after our lease ran out: stop the call.
          lost = true;
          abort.abort(new Error('the run was cancelled or taken over'));
        }
      } catch {
        // The database away: the record will tell.
      }
    };
    const beat = setInterval(
      () => {
        beating = beating.then(heartbeat);
      },
      Math.min(HEARTBEAT_MS, (this.config.TASK_LEASE_SECONDS * 1000) / 3),
    );
    let result: TaskRunResult;
    const secretsSeen: string[] = [];
    try {
      result = await this.run(claim, owners, abort.signal, secretsSeen);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        clearInterval(beat);
        throw err; // the job fails; the run is claimed again once its lease expires
      }
      const message = credentialScrubber(secretsSeen).text(err instanceof Error ? err.message : String(err));
      this.logger.error({ run_id: claim.id, err: message }, 'task run failed unexpectedly; recording it as failed');
      result = failed({ code: 'internal_error', message: `internal error while running the task: ${message}` });
    } finally {
      clearInterval(beat);
    }
    await beating;
    const recorded = await this.runs.record(claim.tenant_id, claim.id, token, {
      ...result,
      performance: {
        ...result.performance,
        queued_ms: Math.max(
          0,
          new Date(claim.started_at ?? claim.created_at).getTime() - new Date(claim.created_at).getTime(),
        ),
        run_ms: Date.now() - started,
      },
    });
    if (!recorded) return 'lease_lost';
    this.metrics.observe(result.status, claim.task_tag, (Date.now() - started) / 1000);
    if (result.status !== 'success')
      this.logger.warn(
        { run_id: claim.id, task_tag: claim.task_tag, status: result.status, error: result.error?.code },
        `task run ended ${result.status}: ${result.error?.message ?? ''}`,
      );
    return result.status;
  }

  private async run(
    claim: ClaimedRun,
    owners: TenantId[],
    signal: AbortSignal,
    secretsSeen: string[],
  ): Promise<TaskRunResult> {
    if (claim.attempt_count > MAX_CLAIMS)
      return failed({
        code: 'gave_up',
        message: `gave up: ${claim.attempt_count - 1} workers took this run and stopped without recording it`,
      });
    const loadedForRun = await this.runs.loadForRun(
      claim.tenant_id,
      owners,
      claim.instance_uuid,
      claim.integration_uuid,
    );
    const row = loadedForRun.instance;
    // Switched off (or its shared integration withdrawn) since the run was queued: no call, its secrets stay sealed.
    if (row && !RUNNABLE_INSTANCE.has(row.status))
      return failed({
        code: 'instance_not_runnable',
        message: `instance ${row.instance_id} became ${row.status} before the run started: tasks run on active ones only`,
      });
    let all = loadedForRun.tasks;
    // An integration shared from a tenant above in another database: its tasks are read there
    // (docs/dedicated-tenants.md, "Shared catalogue across databases").
    if (row && all.length === 0 && owners.length > 0)
      all = await this.db.runInTenant(claim.tenant_id, () => this.tasks.ofIntegration(owners, claim.integration_uuid));
    const [instanceSecrets, secretInput] = await Promise.all([
      row ? this.instances.openSecrets(row) : null,
      claim.input_sealed
        ? this.secrets
            .open(claim.tenant_id, claim.input_sealed, runInputAad(claim.id))
            .then((text) => JSON.parse(text) as Record<string, string>)
        : ({} as Record<string, string>),
    ]);
    const opened = row && instanceSecrets ? { instance: row, secrets: instanceSecrets } : null;
    if (!opened)
      return failed({ code: 'instance_unavailable', message: 'the instance was deleted before the run started' });
    const { instance, secrets } = opened;
    const task = all.find((t) => t.id === claim.task_uuid);
    if (!task || task.status !== 'active')
      return failed({ code: 'task_unavailable', message: `task ${claim.task_tag} is no longer active` });
    const secretValues = [
      ...Object.values(secrets.fields),
      ...Object.values(secrets.credentials).filter((v): v is string => typeof v === 'string'),
      ...Object.values(secretInput),
    ];
    secretsSeen.push(...secretValues);
    // Every declared input field is there for templates: the value given, else its default, else null.
    const input: Record<string, unknown> = {
      ...Object.fromEntries(task.input_fields.map((f) => [f.name, f.default ?? null])),
      ...claim.input,
      ...secretInput,
    };
    const order = dependencyOrder(task, all);
    if (!order.ok)
      return failed({
        code: 'dependency_failed',
        message: order.cycle
          ? 'the task’s dependencies form a cycle'
          : `dependencies no longer exist: ${order.missing.join(', ')}`,
      });
    const scrub = credentialScrubber(secretValues);
    const deps: Record<string, Record<string, unknown>> = {};
    const dependencies: RecordedCall[] = [];
    let httpMs = 0;
    let attempts = 0;
    const call = async (t: TaskEntity): Promise<TaskCallResult> => {
      const result = await executeTaskCall(instanceTaskCall(opened, { runId: claim.id, task: t, input, deps }), {
        http: this.http,
        tokens: this.tokens,
        beforeSend: () => this.limiter.acquire(claim.tenant_id, instance.id, instance.rate_limit, signal),
        signal,
      });
      for (const a of result.attempts) httpMs += Number(a.duration_ms) || 0;
      attempts += result.attempts.length;
      // Secret inputs are not the call's to know: mask them here too.
      return scrub.json(result);
    };
    for (const dep of order.order) {
      const started = Date.now();
      const result = await call(dep);
      dependencies.push(recordedCall(dep.task_tag, result, Date.now() - started));
      if (result.status !== 'success') {
        const cause = result.error?.message ?? result.status;
        return {
          ...failed({
            code: result.status === 'cancelled' ? 'cancelled' : 'dependency_failed',
            message: `dependency ${dep.task_tag} ended ${result.status}: ${cause}`,
            dependency: dep.task_tag,
          }),
          status: result.status === 'cancelled' ? 'cancelled' : 'failure',
          dependencies,
          performance: { http_ms: httpMs, attempts },
        };
      }
      deps[dep.task_tag] = result.outputs ?? {};
    }
    const result = await call(task);
    return {
      status: result.status,
      outputs: result.outputs,
      error: result.error,
      records_processed: result.records_processed,
      response_status: result.response_status,
      attempts: result.attempts as unknown as Record<string, unknown>[],
      dependencies,
      performance: { http_ms: httpMs, attempts },
    };
  }
}

function recordedCall(tag: string, r: TaskCallResult, ms: number): RecordedCall {
  return {
    task_tag: tag,
    status: r.status,
    outputs: r.outputs,
    records_processed: r.records_processed,
    response_status: r.response_status,
    attempts: r.attempts as unknown as Record<string, unknown>[],
    error: r.error,
    duration_ms: ms,
  };
}

function failed(error: TaskRunError): TaskRunResult {
  return {
    status: 'failure',
    outputs: null,
    error,
    records_processed: 0,
    response_status: null,
    attempts: [],
    dependencies: [],
    performance: {},
  };
}

export type { InstanceEntity };
