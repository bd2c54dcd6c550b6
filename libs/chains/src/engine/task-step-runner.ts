// A task step's attempt after its condition and input are rendered: the run is prepared with the rules of every task
// run (the instance usable, the task active, the input fitting its schema), written (source chain, with the chain run
// and step run ids) and run at once in this process by the task executor (TaskRunner.runNow). Each attempt is a new
// task run. The run is written before it runs, so if this process dies the tasks' reconciler finishes it.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { ConduitConfig, InjectConfig, TenantId } from '@conduit/platform';
import { TaskRunsService, TasksException } from '@conduit/tasks';
import { TaskRunner, TaskRunsRepository } from '@conduit/tasks/engine';
import type { ClaimedStep, StepResultRecord } from '../repositories/step-store';

export type TaskStepFields = Omit<StepResultRecord, 'status' | 'retryInMs'>;

export interface TaskStepResult {
  ok: boolean;
  fields: TaskStepFields;
}

const FINISHED = new Set(['success', 'failure', 'timeout', 'cancelled']);

type TaskRunView = NonNullable<Awaited<ReturnType<TaskRunsRepository['find']>>>;

@Injectable()
export class TaskStepRunner {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly taskRuns: TaskRunsService,
    private readonly runs: TaskRunsRepository,
    private readonly runner: TaskRunner,
  ) {}

  async run(claim: ClaimedStep, input: unknown): Promise<TaskStepResult> {
    const none: TaskStepFields = {
      requestPayload: null,
      requestHeaders: null,
      responseCode: null,
      responseBody: null,
      response: null,
      durationMs: null,
      lastError: null,
      taskRunId: null,
    };
    const { step, tenant_id: tenantId } = claim;
    if (step.instance_uuid === null || step.task_tag === null)
      return { ok: false, fields: { ...none, lastError: 'the task step names no instance or task' } };
    if (input === null || typeof input !== 'object' || Array.isArray(input))
      return { ok: false, fields: { ...none, lastError: 'the rendered input is not an object' } };
    let runId: string;
    let recordedInput: unknown;
    try {
      const owners = await this.taskRuns.owners(tenantId);
      const row = await this.db.runInTenant(tenantId, async () => {
        const prepared = await this.taskRuns.prepare(tenantId, owners, {
          instanceUuid: step.instance_uuid ?? '',
          taskTag: step.task_tag ?? '',
          input: input as Record<string, unknown>,
          source: 'chain',
          chainRunId: claim.run_id,
          chainStepRunId: claim.id,
        });
        await this.runs.insert(prepared.row);
        return prepared.row;
      });
      runId = row.id;
      // The run's input as stored: secret input fields as { set: true }.
      recordedInput = row.input;
    } catch (err) {
      // The instance gone or inactive, the task deleted or inactive, the input not fitting the task's schema.
      if (!(err instanceof TasksException)) throw err;
      return { ok: false, fields: { ...none, lastError: `could not start the task: ${err.code}: ${err.message}` } };
    }
    const ran = await this.runner.runNow(tenantId, runId);
    const outcome = ran.outcome;
    // Not finished here (its lease was lost, or another worker claimed it): the task executor finishes it (the tasks'
    // reconciler takes it over once its lease expires); wait for that rather than start a second run of the task.
    const run = ran.run && FINISHED.has(ran.run.status) ? ran.run : await this.waitForEnd(tenantId, runId);
    const fields: TaskStepFields = { ...none, requestPayload: recordedInput, taskRunId: runId };
    if (!run || !FINISHED.has(run.status))
      return {
        ok: false,
        fields: {
          ...fields,
          lastError: `task run ${runId} did not finish in this attempt (${outcome}); the task executor records its result`,
        },
      };
    const result: TaskStepFields = {
      ...fields,
      responseCode: run.response_status,
      response: run.outputs ?? {},
      responseBody: JSON.stringify(run.outputs ?? {}),
      durationMs: run.duration_ms,
    };
    if (run.status === 'success') return { ok: true, fields: result };
    const error = run.error ? `${run.error.code}: ${run.error.message}` : 'no error recorded';
    return { ok: false, fields: { ...result, lastError: `task run ${runId} ended ${run.status}: ${error}` } };
  }

  /** The run once finished, or null after the longest a claim of it can take plus a reconcile. */
  private async waitForEnd(tenantId: TenantId, runId: string): Promise<TaskRunView | null> {
    const c = this.config;
    const deadline = Date.now() + c.TASK_TIMEOUT_MS + 2 * c.TASK_LEASE_SECONDS * 1000 + c.TASK_RECONCILE_INTERVAL_MS;
    let pause = 100;
    for (;;) {
      const run = await this.db.runInTenant(tenantId, () => this.runs.find(tenantId, runId));
      if (run && FINISHED.has(run.status)) return run;
      if (Date.now() >= deadline) return run;
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(1000, pause * 2);
    }
  }
}
