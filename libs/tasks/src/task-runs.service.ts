// Running a task, the API side: a run is checked (the instance is usable, the task active, the input fits the task's
// input schema), written as queued and put on the tasks queue after the transaction commits; the worker does the rest
// (runs/task-runner.ts). The history reads the rows. Other domains (chains' task steps, health checks, ingestion)
// prepare runs here too, so every run is checked the same way.
import { Injectable, Logger } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { AuditEntry, AuditLog } from '@conduit/audit';
import { TenantContext } from '@conduit/database';
import { FieldDefinition, InstanceEntity, InstancesService, validateValues } from '@conduit/integrations';
import { Clock, IdGenerator, Page, REDACTED, TenantId, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { TenantHierarchy } from '@conduit/tenants';
import { ListTaskRunsQueryDto, StartTaskRunDto, TaskRunListResponse, TaskRunResponse } from './dto/task-run.dto';
import { FINISHED_RUN_STATUSES, TaskRunEntity, TaskRunSource } from './entities/task-run.entity';
import { TaskEntity } from './entities/task.entity';
import { TaskRunScheduler } from './task-run-scheduler';
import { TaskRunsRepository } from './repositories/task-runs.repository';
import { TasksRepository } from './repositories/tasks.repository';
import { TasksException, runInstanceNotFound, taskNotFound, taskRunNotFound } from './tasks.exception';

/** The AAD of a run's sealed secret inputs. */
export const runInputAad = (runId: string): string => `task_run_input:${runId}`;

/** Instance statuses a task may run on: error is a health verdict, not a stop. */
/** The statuses of an instance tasks run on (the API checks at the run's creation, the worker again at its start). */
export const RUNNABLE_INSTANCE: ReadonlySet<string> = new Set(['active', 'error']);

export interface RunRequest {
  instanceUuid: string;
  taskTag: string;
  input: Record<string, unknown>;
  source: TaskRunSource;
  createdBy?: string | null;
  chainRunId?: string | null;
  chainStepRunId?: string | null;
}

export interface PreparedRun {
  row: TaskRunEntity;
  instance: InstanceEntity;
  task: TaskEntity;
}

/** A run's input for the audit trail: the values of the task's secret fields replaced by [REDACTED]. */
export function maskSecretInput(fields: FieldDefinition[], input: Record<string, unknown>): Record<string, unknown> {
  const secret = new Set(fields.filter((f) => f.type === 'secret').map((f) => f.name));
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, secret.has(k) ? REDACTED : v]));
}

const WAIT_POLL_FIRST_MS = 20;
const WAIT_POLL_MAX_MS = 250;

@Injectable()
export class TaskRunsService {
  private readonly logger = new Logger(TaskRunsService.name);

  constructor(
    private readonly db: TenantContext,
    private readonly runs: TaskRunsRepository,
    private readonly tasks: TasksRepository,
    private readonly instances: InstancesService,
    private readonly hierarchy: TenantHierarchy,
    private readonly secrets: SecretBox,
    private readonly scheduler: TaskRunScheduler,
    private readonly access: AccessService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Starts a run; with `waitSeconds`, answers once it ends or the wait is over (`finished` tells which). `audit` is
   * the request's success row (its target set to the run here), committed with the run.
   */
  async start(
    instanceId: string,
    taskTag: string,
    dto: StartTaskRunDto,
    waitSeconds = 0,
    audit?: AuditEntry,
  ): Promise<{ run: TaskRunResponse; finished: boolean }> {
    const tenantId = this.access.tenant().id;
    this.access.assert('create', 'TaskRun', { tenant_id: tenantId });
    const owners = await this.owners(tenantId);
    const row = await this.db.runInTenant(tenantId, async () => {
      const { row, task } = await this.prepare(tenantId, owners, {
        instanceUuid: instanceId,
        taskTag,
        input: dto.input ?? {},
        source: 'api',
        createdBy: this.access.principal().userId ?? null,
      });
      await this.runs.insert(row);
      if (audit)
        await this.audit.record({
          ...audit,
          target: { type: audit.target?.type ?? 'TaskRun', id: row.id },
          // The input as sent, its secret fields masked (the task's definition says which).
          changes: { input: maskSecretInput(task.input_fields, dto.input ?? {}) },
        });
      this.db.afterCommit(() => this.queue(row));
      return row;
    });
    if (waitSeconds <= 0) return { run: present(row), finished: false };
    const finished = await this.waitFor(tenantId, row.id, waitSeconds * 1000);
    const latest = await this.db.runInTenant(tenantId, () => this.runs.find(tenantId, row.id));
    return { run: present(latest ?? row), finished };
  }

  /**
   * A checked run, not yet written, in the caller's tenant transaction: the instance is the tenant's and usable, the
   * task is an active task of its integration, the input fits the task's input schema (400 invalid_task_input with a
   * detail per problem). Secret input fields are sealed.
   */
  async prepare(tenantId: TenantId, owners: TenantId[], req: RunRequest): Promise<PreparedRun> {
    const instance = await this.instances.row(tenantId, req.instanceUuid);
    if (!instance) throw runInstanceNotFound();
    if (!RUNNABLE_INSTANCE.has(instance.status))
      throw new TasksException(
        'instance_not_runnable',
        `Instance ${instance.instance_id} is ${instance.status}: tasks run on active instances only`,
      );
    const all = await this.tasks.ofIntegration(owners, instance.integration_uuid);
    const task = all.find((t) => t.task_tag === req.taskTag);
    if (!task) throw taskNotFound();
    if (task.status !== 'active')
      throw new TasksException('task_not_runnable', `Task ${task.task_tag} is ${task.status}: only active tasks run`);
    const problems = validateValues(task.input_fields, req.input);
    if (problems.length > 0)
      throw new TasksException(
        'invalid_task_input',
        `The input does not fit the task's input schema: ${problems[0].message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
        problems.map((p) => ({ field: `input.${p.field}`, code: p.code, message: p.message })),
      );
    const id = this.ids.next();
    const { plain, secret } = splitInput(task.input_fields, req.input);
    const now = this.clock.now();
    const row: TaskRunEntity = {
      id,
      tenant_id: tenantId,
      instance_uuid: instance.id,
      instance_id: instance.instance_id,
      integration_uuid: instance.integration_uuid,
      task_uuid: task.id,
      task_id: task.task_id,
      task_tag: task.task_tag,
      source: req.source,
      chain_run_id: req.chainRunId ?? null,
      chain_step_run_id: req.chainStepRunId ?? null,
      input: plain,
      input_sealed:
        Object.keys(secret).length > 0
          ? await this.secrets.seal(tenantId, JSON.stringify(secret), runInputAad(id))
          : null,
      status: 'queued',
      attempt_count: 0,
      lease_expires_at: null,
      created_by: req.createdBy ?? null,
      created_at: now,
      started_at: null,
      finished_at: null,
      duration_ms: null,
      response_status: null,
      attempts: [],
      dependencies: [],
      outputs: null,
      error: null,
      records_processed: 0,
      performance: null,
      updated_at: now,
    };
    return { row, instance, task };
  }

  async list(query: ListTaskRunsQueryDto): Promise<TaskRunListResponse> {
    const tenantId = this.reader();
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const rows = await this.db.runInTenant(tenantId, () =>
      this.runs.page(
        tenantId,
        {
          instanceUuid: query.instance_id,
          taskTag: query.task_tag,
          status: query.status,
          source: query.source,
          since: query.since,
          until: query.until,
        },
        { limit, cursor },
      ),
    );
    return toPage(rows, limit, present) as Page<TaskRunResponse>;
  }

  async get(id: string): Promise<TaskRunResponse> {
    const tenantId = this.reader();
    const row = isUuid(id) ? await this.db.runInTenant(tenantId, () => this.runs.find(tenantId, id)) : null;
    if (!row) throw taskRunNotFound();
    return present(row);
  }

  /** Cancels a queued or running run (a running one's call is aborted by its worker within about a second). */
  async cancel(id: string): Promise<TaskRunResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('update', 'TaskRun', { tenant_id: tenantId }, 'task_run_not_found');
    return this.db.runInTenant(tenantId, async () => {
      const row = isUuid(id) ? await this.runs.find(tenantId, id) : null;
      if (!row) throw taskRunNotFound();
      if (!(await this.runs.cancel(tenantId, id)))
        throw new TasksException('task_run_finished', `The run already ended (${row.status})`);
      return present((await this.runs.find(tenantId, id)) ?? row);
    });
  }

  /** Queues a written run (after its transaction committed); a lost enqueue is the reconciler's. */
  async queue(row: Pick<TaskRunEntity, 'tenant_id' | 'id'>): Promise<void> {
    await this.scheduler
      .enqueue([{ tenantId: row.tenant_id, runId: row.id, attempt: 1 }])
      .catch((err: unknown) =>
        this.logger.warn(
          { run_id: row.id, err: (err as Error).message },
          'could not queue a task run; the reconciler will',
        ),
      );
  }

  /** The tenants above (whose shared integrations' tasks this tenant may run), from the hierarchy, never from input. */
  async owners(tenantId: TenantId): Promise<TenantId[]> {
    return (await this.hierarchy.lineage(tenantId)).slice(1);
  }

  /** True when the run ended within the time. */
  private async waitFor(tenantId: TenantId, id: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    let pause = WAIT_POLL_FIRST_MS;
    for (;;) {
      const status = (await this.db.runInTenant(tenantId, () => this.runs.statuses(tenantId, [id]))).get(id);
      if (status && FINISHED_RUN_STATUSES.includes(status)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
      pause = Math.min(WAIT_POLL_MAX_MS, pause * 2);
    }
  }

  private reader(): TenantId {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'TaskRun', { tenant_id: tenantId }, 'task_run_not_found');
    return tenantId;
  }
}

/** The input's secret fields (the task's input fields of type secret) apart from the rest. */
export function splitInput(
  fields: readonly FieldDefinition[],
  input: Record<string, unknown>,
): { plain: Record<string, unknown>; secret: Record<string, string> } {
  const secretNames = new Set(fields.filter((f) => f.type === 'secret').map((f) => f.name));
  const plain: Record<string, unknown> = {};
  const secret: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    if (secretNames.has(k)) {
      secret[k] = String(v);
      plain[k] = { set: true };
    } else plain[k] = v;
  }
  return { plain, secret };
}

export function present(r: TaskRunEntity): TaskRunResponse {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    instance_uuid: r.instance_uuid,
    instance_id: r.instance_id,
    integration_uuid: r.integration_uuid,
    task_uuid: r.task_uuid,
    task_id: r.task_id,
    task_tag: r.task_tag,
    source: r.source,
    chain_run_id: r.chain_run_id,
    status: r.status,
    input: r.input,
    outputs: r.outputs,
    records_processed: r.records_processed,
    response_status: r.response_status,
    error: r.error,
    attempts: r.attempts as unknown as TaskRunResponse['attempts'],
    dependencies: r.dependencies as unknown as TaskRunResponse['dependencies'],
    claims: r.attempt_count,
    created_at: new Date(r.created_at).toISOString(),
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    duration_ms: r.duration_ms,
    performance: r.performance,
    created_by: r.created_by,
  };
}
