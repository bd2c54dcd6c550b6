// An integration's tasks: definitions checked against the integration (its fields, the credential names an instance
// holds, its other tasks), numbered per tenant, soft-deleted. Only the integration's own tenant reads and writes them
// for now (a shared integration's tasks are not yet readable below its owner: see docs/catalogue.md).
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import {
  CatalogueCounters,
  FieldDefinition,
  IntegrationsService,
  JsonSchema,
  checkFields,
  logoUrl,
  toJsonSchema,
} from '@conduit/integrations';
import { Clock, CommonException, IdGenerator, Page, TenantId, decodeCursor, isUuid, toPage } from '@conduit/platform';
import {
  TaskDefinitionInput,
  TaskOutputField,
  caseIngestionTaskTags,
  verifyTaskDefinition,
  withTaskDefaults,
} from './definition';
import type { TaskDefinitionBody, TaskResponse, ListTasksQueryDto } from './dto/task.dto';
import { TaskEntity } from './entities/task.entity';
import { TenantHierarchy } from '@conduit/tenants';
import { TaskIntegration, TasksRepository } from './repositories/tasks.repository';
import { TasksException, integrationNotFound, taskNotFound } from './tasks.exception';
import { TaskUsers } from './task-users';

/** The credential names an instance can hold: what `{{credentials.x}}` may read. */
export const TASK_CREDENTIAL_NAMES: readonly string[] = [
  'username',
  'password',
  'token',
  'api_key',
  'client_id',
  'client_secret',
];

/** The definition's keys, in the order responses show them (and the export writes them). */
export const TASK_DEFINITION_KEYS = [
  'name',
  'task_tag',
  'description',
  'input_fields',
  'output_fields',
  'depends_on',
  'request',
  'execution_order',
  'error_handling',
  'ingest_cases',
  'case_ingestion_config',
  'status',
] as const;

export interface CheckError {
  field: string;
  code: string;
  message: string;
}

export interface TaskDependent {
  kind: string;
  id: string;
  name: string;
}

type IntegrationRef = { id: string } | { seq: number };

@Injectable()
export class TasksService {
  constructor(
    private readonly db: TenantContext,
    private readonly tasks: TasksRepository,
    private readonly counters: CatalogueCounters,
    private readonly integrations: IntegrationsService,
    private readonly hierarchy: TenantHierarchy,
    private readonly access: AccessService,
    private readonly users: TaskUsers,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(integration: IntegrationRef, body: TaskDefinitionBody): Promise<TaskResponse> {
    const tenantId = this.tenant('create');
    return this.db.runInTenant(tenantId, async () => {
      const owner = await this.ownIntegration(tenantId, integration, true);
      const def = await this.checked(owner, body);
      const now = this.clock.now();
      const row: TaskEntity = {
        id: this.ids.next(),
        tenant_id: tenantId,
        integration_uuid: owner.id,
        integration_id: owner.integration_id,
        task_id: await this.counters.next(tenantId, 'task'),
        ...def,
        created_by: this.access.principal().userId,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      };
      if (!(await this.tasks.insert(row))) throw tagExists(def.task_tag);
      return present(row, tenantId);
    });
  }

  /** Every live task of one of the acting tenant's own integrations, by task_id: how an import finds tags. */
  async liveOf(integrationId: string): Promise<TaskResponse[]> {
    const tenantId = this.tenant('read');
    return this.db.runInTenant(tenantId, async () => {
      const owner = await this.ownIntegration(tenantId, { id: integrationId }, false);
      return (await this.tasks.live(tenantId, owner.id)).map((r) => present(r, tenantId));
    });
  }

  async list(integrationId: string, query: ListTasksQueryDto): Promise<Page<TaskResponse>> {
    const tenantId = this.tenant('read');
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    return this.db.runInTenant(tenantId, async () => {
      const { integration, owners } = await this.readableIntegration(tenantId, integrationId);
      const rows = await this.tasks.sharedReading(
        owners,
        () => this.tasks.page(integration.tenant_id, integration.id, { status: query.status }, { limit, cursor }),
        integration.tenant_id,
      );
      return toPage(rows, limit, (r) => present(r, tenantId));
    });
  }

  async get(integrationId: string, id: string): Promise<TaskResponse> {
    const tenantId = this.tenant('read');
    return this.db.runInTenant(tenantId, async () => {
      const { integration, owners } = await this.readableIntegration(tenantId, integrationId);
      const row = isUuid(id)
        ? await this.tasks.sharedReading(
            owners,
            () => this.tasks.find(integration.tenant_id, integration.id, id),
            integration.tenant_id,
          )
        : null;
      if (!row) throw taskNotFound();
      return present(row, tenantId);
    });
  }

  async update(integration: IntegrationRef, id: string, body: TaskDefinitionBody): Promise<TaskResponse> {
    const tenantId = this.tenant('update');
    return this.db.runInTenant(tenantId, async () => {
      const owner = await this.ownIntegration(tenantId, integration, true);
      const row = isUuid(id) ? await this.tasks.find(tenantId, owner.id, id) : null;
      if (!row) throw taskNotFound();
      return this.applyUpdate(owner, row, body);
    });
  }

  /** The seed's create-or-update: `id` (the task's task_id) 0 or absent creates, else updates that task. */
  async upsertBySeq(
    integrationSeq: number,
    taskSeq: number | undefined,
    body: TaskDefinitionBody,
  ): Promise<{ created: boolean; task: TaskResponse }> {
    if (!taskSeq) return { created: true, task: await this.create({ seq: integrationSeq }, body) };
    const tenantId = this.tenant('update');
    return this.db.runInTenant(tenantId, async () => {
      const owner = await this.ownIntegration(tenantId, { seq: integrationSeq }, true);
      const row = await this.tasks.findBySeq(tenantId, taskSeq, owner.integration_id);
      if (!row) throw taskNotFound();
      return { created: false, task: await this.applyUpdate(owner, row, body) };
    });
  }

  private async applyUpdate(owner: TaskIntegration, row: TaskEntity, body: TaskDefinitionBody): Promise<TaskResponse> {
    const given = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    if (!TASK_DEFINITION_KEYS.some((k) => k in given))
      throw CommonException.validation('Nothing to update: send at least one field', [
        { field: 'body', message: 'no fields' },
      ]);
    const merged = { ...savedDefinition(row), ...given };
    const def = await this.checked(owner, merged, row.task_tag);
    const changes: Partial<TaskEntity> = { ...def, updated_at: this.clock.now() };
    if (!(await this.tasks.update(row.tenant_id, row.id, changes))) throw tagExists(def.task_tag);
    return present({ ...row, ...changes }, row.tenant_id);
  }

  /**
   * Soft delete; refused (409 task_has_dependents) while something uses it: another task of the integration (by
   * depends_on or an ingestion task's dependent_tasks), a chain step, case ingestion.
   */
  async remove(integrationId: string, id: string): Promise<void> {
    const tenantId = this.tenant('delete');
    await this.db.runInTenant(tenantId, async () => {
      const owner = await this.ownIntegration(tenantId, { id: integrationId }, true);
      const row = isUuid(id) ? await this.tasks.find(tenantId, owner.id, id) : null;
      if (!row) throw taskNotFound();
      const dependents = await this.dependentsOf(row);
      if (dependents.length > 0)
        throw new TasksException(
          'task_has_dependents',
          `${row.task_tag} is in use: ${dependents.map((d) => `${d.kind} ${d.name}`).join(', ')}`,
          this.users.details(dependents),
        );
      const now = this.clock.now();
      await this.tasks.update(tenantId, row.id, { status: 'deleted', deleted_at: now, updated_at: now });
    });
  }

  /** The whole definition by the seed's numbers. */
  async getBySeq(integrationSeq: number, taskSeq: number): Promise<TaskResponse> {
    return present(await this.bySeq(taskSeq, integrationSeq), this.access.tenant().id);
  }

  /** Checks a definition against the integration without saving (the seed's verify-generic). */
  async verify(
    integrationSeq: number,
    taskSeq: number | undefined,
    body: unknown,
  ): Promise<{ valid: boolean; errors: CheckError[] }> {
    const tenantId = this.tenant('read');
    return this.db.runInTenant(tenantId, async () => {
      const owner = await this.ownIntegration(tenantId, { seq: integrationSeq });
      let current: string | undefined;
      if (taskSeq) {
        const row = await this.tasks.findBySeq(tenantId, taskSeq, owner.integration_id);
        if (!row) throw taskNotFound();
        current = row.task_tag;
      }
      const { errors } = await this.check(owner, body, current);
      return { valid: errors.length === 0, errors };
    });
  }

  /** The task's input fields as a JSON Schema. */
  async inputSchema(taskSeq: number): Promise<JsonSchema> {
    return toJsonSchema((await this.bySeq(taskSeq)).input_fields);
  }

  async outputFields(taskSeq: number, arraysOnly = false): Promise<TaskOutputField[]> {
    const row = await this.bySeq(taskSeq);
    return row.output_fields.filter((f) => !arraysOnly || f.is_array);
  }

  /** Whether the task can be deleted: what uses it (see remove). */
  async deletable(
    integrationSeq: number | undefined,
    taskSeq: number,
  ): Promise<{ deletable: boolean; dependents: TaskDependent[] }> {
    const tenantId = this.tenant('read');
    return this.db.runInTenant(tenantId, async () => {
      const row = await this.tasks.findBySeq(tenantId, taskSeq, integrationSeq);
      if (!row) throw taskNotFound();
      const dependents = await this.dependentsOf(row);
      return { deletable: dependents.length === 0, dependents };
    });
  }

  /** Chains and case ingestion using any task of the integration (they block deleting it). */
  async usersOfIntegration(tenantId: TenantId, integrationUuid: string): Promise<TaskDependent[]> {
    return (await this.users.of(tenantId, integrationUuid)).map(({ kind, id, name }) => ({ kind, id, name }));
  }

  private async dependentsOf(row: TaskEntity): Promise<TaskDependent[]> {
    const live = await this.tasks.live(row.tenant_id, row.integration_uuid);
    const users = await this.users.of(row.tenant_id, row.integration_uuid, [row.task_tag]);
    return [...siblingDependents(row, live), ...users.map(({ kind, id, name }) => ({ kind, id, name }))];
  }

  /** The integration is being deleted (in its transaction): its tasks become inactive. */
  async deactivateForIntegration(tenantId: TenantId, integrationUuid: string): Promise<void> {
    await this.tasks.deactivateAll(tenantId, integrationUuid, this.clock.now());
  }

  private async bySeq(taskSeq: number, integrationSeq?: number): Promise<TaskEntity> {
    const tenantId = this.tenant('read');
    const row = await this.db.runInTenant(tenantId, () => this.tasks.findBySeq(tenantId, taskSeq, integrationSeq));
    if (!row) throw taskNotFound();
    return row;
  }

  private tenant(action: 'read' | 'create' | 'update' | 'delete'): TenantId {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'Task', { tenant_id: tenantId }, 'task_not_found');
    return tenantId;
  }

  /** The acting tenant's own live integration; 403 integration_not_owned for a shared one it only reads, else 404. */
  private async ownIntegration(tenantId: TenantId, ref: IntegrationRef, lock = false): Promise<TaskIntegration> {
    if ('id' in ref && !isUuid(ref.id)) throw integrationNotFound();
    const owner = await this.tasks.integration(tenantId, ref, lock);
    if (owner) return owner;
    if ('id' in ref && (await this.sharedWith(ref.id)))
      throw new TasksException(
        'integration_not_owned',
        'Only the tenant that shares this integration changes its tasks',
      );
    throw integrationNotFound();
  }

  /**
   * Reads: the tenant's own integration, or one shared with it by a tenant above (its tasks are then read through the
   * tasks_lookup policy, with those tenants in app.catalogue_owners).
   */
  private async readableIntegration(
    tenantId: TenantId,
    id: string,
  ): Promise<{ integration: TaskIntegration; owners: TenantId[] }> {
    if (!isUuid(id)) throw integrationNotFound();
    const own = await this.tasks.integration(tenantId, { id });
    if (own) return { integration: own, owners: [] };
    // The tenants above (lineage runs from the tenant up to its root), never from input.
    const owners = (await this.hierarchy.lineage(tenantId)).slice(1);
    const shared = await this.tasks.sharedIntegration(owners, id);
    if (!shared) throw integrationNotFound();
    return { integration: shared, owners };
  }

  private async sharedWith(id: string): Promise<boolean> {
    try {
      const found = await this.integrations.get(id);
      return found.shared_from !== null;
    } catch {
      return false;
    }
  }

  /** The definition to store, or 400 invalid_field_definition / invalid_task_definition / task_dependency_cycle. */
  private async checked(owner: TaskIntegration, body: unknown, currentTag?: string) {
    const { errors, inputFields, fieldProblems } = await this.check(owner, body, currentTag);
    if (fieldProblems.length > 0)
      throw new TasksException(
        'invalid_field_definition',
        `Invalid input field definition: ${fieldProblems[0].message}`,
        fieldProblems.map((p) => ({ ...p })),
      );
    if (errors.length > 0) {
      const cycle = errors.find((e) => e.code === 'task_dependency_cycle');
      throw cycle
        ? new TasksException('task_dependency_cycle', cycle.message, details(errors))
        : new TasksException(
            'invalid_task_definition',
            `Invalid task definition: ${errors[0].field} ${errors[0].message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
            details(errors),
          );
    }
    const def = withTaskDefaults(body as TaskDefinitionInput);
    return { ...def, input_fields: inputFields };
  }

  private async check(owner: TaskIntegration, body: unknown, currentTag?: string) {
    const def = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    let inputFields: FieldDefinition[] = [];
    let fieldProblems: CheckError[] = [];
    if (Array.isArray(def.input_fields)) {
      const checkedFields = checkFields(def.input_fields);
      inputFields = checkedFields.definitions;
      fieldProblems = checkedFields.problems.map((p) => ({ ...p, field: `input_fields.${p.field}` }));
    }
    const live = await this.tasks.live(owner.tenant_id, owner.id);
    const verification = verifyTaskDefinition(body, {
      instanceFieldNames: new Set(owner.fields.map((f) => f.name)),
      credentialNames: new Set(TASK_CREDENTIAL_NAMES),
      existingTasks: live.map((t) => ({
        task_tag: t.task_tag,
        depends_on: t.depends_on,
        case_ingestion_config: t.case_ingestion_config,
        input_names: t.input_fields.map((f) => f.name),
      })),
      currentTag,
    });
    const errors: CheckError[] = [
      ...fieldProblems.map((p) => ({ ...p, code: 'invalid_field_definition' })),
      ...verification.errors,
    ];
    if (def.status === 'deleted')
      errors.push({ field: 'status', code: 'invalid_value', message: 'status deleted is reached through DELETE only' });
    return { errors, inputFields, fieldProblems };
  }
}

const details = (errors: CheckError[]) => errors.map((e) => ({ ...e }));

function savedDefinition(row: TaskEntity): Record<string, unknown> {
  return Object.fromEntries(TASK_DEFINITION_KEYS.map((k) => [k, row[k]]));
}

/** The integration's other tasks that use this one: by depends_on (kind task) or as an ingestion's dependent task. */
function siblingDependents(row: TaskEntity, live: TaskEntity[]): TaskDependent[] {
  const others = live.filter((t) => t.id !== row.id);
  return [
    ...others.filter((t) => t.depends_on.includes(row.task_tag)).map((t) => ({ kind: 'task', id: t.id, name: t.name })),
    ...others
      .filter((t) => caseIngestionTaskTags(t.case_ingestion_config).includes(row.task_tag))
      .map((t) => ({ kind: 'case_ingestion', id: t.id, name: t.name })),
  ];
}

const tagExists = (tag: string) =>
  new TasksException('task_tag_exists', `The integration already has a task tagged ${JSON.stringify(tag)}`, [
    { field: 'task_tag', message: 'already used by another task of the integration' },
  ]);

/** A task as responses show it; a shared one's author (a user of another tenant) is not shown below its owner. */
export function present(r: TaskEntity, actingTenant: TenantId): TaskResponse {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    integration_uuid: r.integration_uuid,
    integration_id: r.integration_id,
    task_id: r.task_id,
    name: r.name,
    task_tag: r.task_tag,
    description: r.description,
    input_fields: r.input_fields,
    output_fields: r.output_fields,
    depends_on: r.depends_on,
    request: r.request,
    execution_order: r.execution_order,
    error_handling: r.error_handling,
    ingest_cases: r.ingest_cases,
    case_ingestion_config: r.case_ingestion_config,
    status: r.status,
    // The integration's logo: one address, so a new logo shows on every task at once.
    logo_url: logoUrl(r.integration_uuid),
    shared_from: r.tenant_id === actingTenant ? null : r.tenant_id,
    created_by: r.tenant_id === actingTenant ? r.created_by : null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}
