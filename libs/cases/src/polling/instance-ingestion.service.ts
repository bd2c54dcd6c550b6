// An instance's polling ingestion through the API (issue 19 points 1 and 5): the settings (checked whole, the task
// checked to be an active ingestion task of the instance's integration), the cursor reset, and the seed start-time
// path. The worker's side is engine/ingestion-poller.ts.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { InstanceEntity, InstancesService } from '@conduit/integrations';
import { TenantId } from '@conduit/platform';
import { TaskRunsRepository, TaskRunsService, TasksRepository } from '@conduit/tasks/engine';
import { CasesException } from '../cases.exception';
import { IngestionResponse, StartTimeResponse } from './ingestion.dto';
import { IngestionConfig, checkIngestionConfig, nextWindow } from './ingestion-config';
import { InstanceIngestionRepository, InstanceIngestionRow } from '../repositories/instance-ingestion.repository';

const instanceNotFound = () => new CasesException('instance_not_found', 'Instance not found');
const notConfigured = () =>
  new CasesException('ingestion_not_configured', 'Ingestion is not configured for this instance');

@Injectable()
export class InstanceIngestionService {
  constructor(
    private readonly db: TenantContext,
    private readonly access: AccessService,
    private readonly instances: InstancesService,
    private readonly ingestion: InstanceIngestionRepository,
    private readonly tasks: TasksRepository,
    private readonly runs: TaskRunsService,
    private readonly taskRuns: TaskRunsRepository,
  ) {}

  async get(instanceId: string): Promise<IngestionResponse> {
    const tenantId = this.tenant('read');
    return this.db.runInTenant(tenantId, async () => {
      const instance = await this.instance(tenantId, instanceId);
      const row = await this.ingestion.find(tenantId, instance.id);
      if (!row) throw notConfigured();
      return present(row, instance);
    });
  }

  async put(instanceId: string, body: unknown): Promise<IngestionResponse> {
    const tenantId = this.tenant('update');
    const { config, problems } = checkIngestionConfig(body);
    if (!config)
      throw new CasesException(
        'invalid_ingestion_config',
        `The ingestion settings are not valid: ${problems[0].field} ${problems[0].message}`,
        problems.map((p) => ({ field: p.field, code: p.code, message: p.message })),
      );
    const owners = await this.runs.owners(tenantId);
    return this.db.runInTenant(tenantId, async () => {
      const instance = await this.instance(tenantId, instanceId);
      await this.checkTask(owners, instance, config);
      const row = await this.ingestion.upsert(tenantId, instance.id, instance.integration_uuid, config);
      if (!config.enabled) await this.switchedOff(tenantId, instance.id);
      return present(row, instance);
    });
  }

  async remove(instanceId: string): Promise<void> {
    const tenantId = this.tenant('update');
    await this.db.runInTenant(tenantId, async () => {
      const instance = await this.instance(tenantId, instanceId);
      if (!(await this.ingestion.remove(tenantId, instance.id))) throw notConfigured();
      await this.switchedOff(tenantId, instance.id);
    });
  }

  /** A run in progress stops at its next page; one a dead worker left `running` does not stay so forever. */
  private switchedOff(tenantId: TenantId, instanceUuid: string): Promise<void> {
    return this.taskRuns.cancelIngestion(tenantId, instanceUuid, {
      code: 'ingestion_switched_off',
      message: 'ingestion of the instance was switched off during the run',
    });
  }

  async resetCursor(instanceId: string, cursor: string): Promise<IngestionResponse> {
    const tenantId = this.tenant('update');
    const at = /^\d{4}-\d{2}-\d{2}T/.test(cursor) ? new Date(cursor) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime()) || at.getTime() > Date.now())
      throw new CasesException('invalid_cursor', 'cursor must be an ISO 8601 time, not in the future', [
        { field: 'cursor', code: 'invalid_time', message: 'must be an ISO 8601 time, not in the future' },
      ]);
    return this.db.runInTenant(tenantId, async () => {
      const instance = await this.instance(tenantId, instanceId);
      const row = await this.ingestion.resetCursor(tenantId, instance.id, at);
      if (!row) throw notConfigured();
      return present(row, instance);
    });
  }

  /** The seed's start-time path: instance by its number, in the tenant the path's code resolved to (acting). */
  async startTime(instanceNumber: number): Promise<StartTimeResponse> {
    const tenantId = this.tenant('read');
    return this.db.runInTenant(tenantId, async () => {
      const instance = await this.instances.rowByNumber(tenantId, instanceNumber);
      const row = instance ? await this.ingestion.find(tenantId, instance.id) : null;
      if (!row) throw notConfigured();
      const window = nextWindow(row.config, row.cursor, row.resume, new Date());
      return {
        instance_id: instanceNumber,
        enabled: row.enabled,
        next_window_start: nextStart(row, window).toISOString(),
        cursor: iso(row.cursor),
        resume: row.resume as Record<string, unknown> | null,
        last_run: row.last_run,
        last_run_at: iso(row.last_run_at),
        next_run_at: new Date(row.next_run_at).toISOString(),
      };
    });
  }

  private async checkTask(owners: TenantId[], instance: InstanceEntity, config: IngestionConfig): Promise<void> {
    const all = await this.tasks.ofIntegration(owners, instance.integration_uuid);
    const task = all.find((t) => t.task_tag === config.task_tag);
    const bad = (message: string) =>
      new CasesException('invalid_ingestion_task', message, [{ field: 'task_tag', code: 'invalid_task', message }]);
    if (!task) throw bad(`the integration has no task ${config.task_tag}`);
    if (!task.ingest_cases) throw bad(`task ${config.task_tag} does not ingest cases (ingest_cases is false)`);
    if (task.status !== 'active') throw bad(`task ${config.task_tag} is ${task.status}`);
    if (!config.items_path && !task.output_fields.some((f) => f.is_array))
      throw bad(`task ${config.task_tag} has no is_array output: set items_path`);
  }

  private async instance(tenantId: TenantId, id: string): Promise<InstanceEntity> {
    const row = await this.instances.row(tenantId, id);
    if (!row) throw instanceNotFound();
    return row;
  }

  private tenant(action: 'read' | 'update'): TenantId {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'Instance', { tenant_id: tenantId }, 'instance_not_found');
    return tenantId;
  }
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function nextStart(row: InstanceIngestionRow, window: { start: Date } | null): Date {
  if (window) return window.start;
  const base = row.cursor ? new Date(row.cursor) : new Date(Date.now() - row.config.first_fetch * 1000);
  return new Date(base.getTime() - row.config.lookback_seconds * 1000);
}

function present(row: InstanceIngestionRow, instance: InstanceEntity): IngestionResponse {
  const { mapping, ...rest } = row.config;
  const window = nextWindow(row.config, row.cursor, row.resume, new Date());
  return {
    instance_uuid: row.instance_uuid,
    instance_id: instance.instance_id,
    task_tag: row.task_tag,
    enabled: row.enabled,
    config: { ...rest, ...mapping },
    cursor: iso(row.cursor),
    resume: row.resume as Record<string, unknown> | null,
    next_window_start: nextStart(row, window).toISOString(),
    next_run_at: new Date(row.next_run_at).toISOString(),
    running: new Date(row.locked_until).getTime() > Date.now(),
    last_run: row.last_run,
    last_run_at: iso(row.last_run_at),
  };
}
