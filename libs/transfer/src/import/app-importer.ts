// One app of a document (an integration with its tasks and instance stubs) replayed through the catalogue's services,
// so every rule of creation applies (titles, field definitions, templates and references of task definitions, URL
// rules, licence quotas). Everything is checked that can be before the first write; a failure at any point throws
// AppImportFailed with the app's items, and the caller's savepoint undoes whatever this app had written.
import { Injectable } from '@nestjs/common';
import { InstanceIngestionService } from '@conduit/cases';
import {
  CreateIntegrationDto,
  InstancesService,
  IntegrationResponse,
  IntegrationsService,
  LogoContent,
  SeedInstanceDto,
  UpdateIntegrationDto,
  UpdateInstanceDto,
  acceptLogo,
} from '@conduit/integrations';
import { ConduitException } from '@conduit/platform';
import { TaskDefinitionBody, TaskResponse, TasksService } from '@conduit/tasks';
import type {
  ExportedApp,
  ImportItemKind,
  ImportItemResult,
  ImportOptions,
  ImportProblem,
  ImportReport,
} from '../format/transfer-document';
import { validatedBody } from './body-validation';
import { everything, sharedIntegrationTitled } from './chain-references';
import { taskReferences } from './task-order';

export type NeedsSecrets = ImportReport['needs_secrets'][number];

export interface AppOutcome {
  items: ImportItemResult[];
  needs_secrets: NeedsSecrets[];
}

/** The app failed: its items say which one and why (the others `rolled_back`); nothing of it may stay written. */
export class AppImportFailed extends Error {
  constructor(readonly items: ImportItemResult[]) {
    super('an item of the app failed');
  }
}

interface PlannedTask {
  index: number;
  body: TaskDefinitionBody;
  existing: TaskResponse | undefined;
  item: ImportItemResult;
}

interface PlannedInstance {
  index: number;
  /** Where the stub is in the document, e.g. `apps[0].instances[2]`. */
  path: string;
  stub: SeedInstanceDto & { title: string };
  /** The PUT .../ingestion body (task by tag), or null: none to set. */
  ingestion: Record<string, unknown> | null;
  /** The secrets the instance held in the exporting tenant (`fields.<name>`, `auth.<credential>`). */
  secretsRequired: string[];
  item: ImportItemResult;
}

export function itemResult(kind: ImportItemKind, name: string, targetName: string, integration: string | null) {
  return {
    kind,
    name,
    target_name: targetName,
    action: 'create',
    renamed: name !== targetName,
    id: null,
    seq_id: null,
    integration,
    problems: [],
  } satisfies ImportItemResult as ImportItemResult;
}

/** The problems a service's refusal names: one per detail (with its field under `at`), or the error itself. */
export function problemsOf(err: ConduitException, at: string): ImportProblem[] {
  if (err.details.length === 0) return [{ code: err.code, message: err.message, field: at }];
  return err.details.map((d) => ({
    code: typeof d.code === 'string' ? d.code : err.code,
    message: d.message,
    field: d.field ? `${at}.${d.field}` : at,
  }));
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
/** A task or instance that is not an object is read as an empty one: its body check then reports what is missing. */
const asObject = <T extends Record<string, unknown>>(v: T): T => (isObject(v) ? v : ({} as T));

@Injectable()
export class AppImporter {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly tasks: TasksService,
    private readonly instances: InstancesService,
    private readonly ingestion: InstanceIngestionService,
  ) {}

  async import(app: ExportedApp, index: number, options: ImportOptions): Promise<AppOutcome> {
    const at = `apps[${index}]`;
    // The guard checked the document against the schema; what slips through is refused here, never a TypeError.
    const integration: Record<string, unknown> = isObject(app) && isObject(app.integration) ? app.integration : {};
    const title = text(integration.title);
    const target = options.name_map[title] ?? title;
    const appItem = itemResult('integration', title, target, null);
    const existing = target ? await this.integrations.findOwnByTitle(target) : null;
    const documentTasks = (isObject(app) && Array.isArray(app.tasks) ? app.tasks : []).map(asObject);
    const documentInstances = (isObject(app) && Array.isArray(app.instances) ? app.instances : []).map(asObject);

    if (existing && options.import_type === 'skip') {
      // Left as it is, with its tasks and instances.
      const skipped = (i: ImportItemResult) => ({ ...i, action: 'skip' as const });
      return {
        items: [
          { ...skipped(appItem), id: existing.id, seq_id: existing.integration_id },
          ...documentTasks.map((t) => skipped(itemResult('task', text(t.task_tag), text(t.task_tag), existing.title))),
          ...documentInstances.map((s) => skipped(itemResult('instance', text(s.title), text(s.title), target))),
        ],
        needs_secrets: [],
      };
    }

    // Everything that can be checked before writing: the bodies, the logo and the references between tasks.
    const integrationBody = await validatedBody<CreateIntegrationDto | UpdateIntegrationDto>(
      existing ? UpdateIntegrationDto : CreateIntegrationDto,
      { ...integration, title: target },
      `${at}.integration`,
    );
    appItem.action = existing ? 'update' : 'create';
    appItem.problems.push(...integrationBody.problems);
    let logo: LogoContent | undefined;
    if (isObject(app) && app.logo) {
      try {
        if (!isObject(app.logo) || typeof app.logo.base64 !== 'string')
          throw new ConduitException('validation_failed', 400, 'logo.base64 must be a base64 string');
        logo = await acceptLogo(Buffer.from(app.logo.base64, 'base64'));
      } catch (err) {
        if (!(err instanceof ConduitException)) throw err;
        appItem.problems.push(...problemsOf(err, `${at}.logo`));
      }
    }
    const existingTasks = new Map<string, TaskResponse>(
      existing ? (await this.tasks.liveOf(existing.id)).map((t) => [t.task_tag, t]) : [],
    );
    const references = taskReferences(documentTasks, new Set(existingTasks.keys()), `${at}.tasks`);
    const planned: PlannedTask[] = [];
    for (const i of references.order) {
      const tag = text(documentTasks[i].task_tag);
      const item = itemResult('task', tag, tag, target);
      const body = await validatedBody(TaskDefinitionBody, documentTasks[i], `${at}.tasks[${i}]`);
      item.problems.push(...body.problems, ...(references.problems.get(i) ?? []));
      const found = existingTasks.get(tag);
      item.action = found ? 'update' : 'create';
      planned.push({ index: i, body: body.value ?? {}, existing: found, item });
    }
    const knownTags = new Set([...existingTasks.keys(), ...planned.map((p) => p.item.name)]);
    const stubs: PlannedInstance[] = [];
    for (const [i, document] of documentInstances.entries())
      stubs.push(await planStub(document, i, `${at}.instances[${i}]`, target, knownTags));
    // Items in the report's order: the integration, its tasks as saved, its instances.
    const items = [appItem, ...planned.map((p) => p.item), ...stubs.map((s) => s.item)];
    if (items.some((i) => i.problems.length > 0)) throw new AppImportFailed(failed(items));

    let current: ImportItemResult = appItem;
    try {
      const saved = await this.saveIntegration(existing, integrationBody.value as CreateIntegrationDto, logo);
      appItem.id = saved.id;
      appItem.seq_id = saved.integration_id;
      for (const task of planned) {
        current = task.item;
        const result = task.existing
          ? await this.tasks.update({ id: saved.id }, task.existing.id, task.body)
          : await this.tasks.create({ id: saved.id }, task.body);
        task.item.id = result.id;
        task.item.seq_id = result.task_id;
      }
      const needsSecrets: NeedsSecrets[] = [];
      for (const stub of stubs) {
        current = stub.item;
        await this.saveStub(saved.id, target, stub, needsSecrets, () => failed(items));
      }
      return { items, needs_secrets: needsSecrets };
    } catch (err) {
      if (!(err instanceof ConduitException)) throw err;
      const path = current === appItem ? `${at}.integration` : pathOf(current, planned, stubs, at);
      current.problems.push(...problemsOf(err, path));
      throw new AppImportFailed(failed(items));
    }
  }

  /**
   * An instance of an integration shared from the tenants above (the document's `shared_instances`): the
   * integration is found by title (after name_map) in the shared catalogue the tenant reads, never created; the
   * instance is created as a stub or updated by title like an app's. Alone in the caller's savepoint.
   */
  async importShared(document: unknown, index: number, options: ImportOptions): Promise<AppOutcome> {
    const path = `shared_instances[${index}]`;
    const { integration: named, ...stub } = asObject(isObject(document) ? document : {});
    const target = options.name_map[text(named)] ?? text(named);
    const shared = target ? await sharedIntegrationTitled(this.integrations, target) : null;
    // Without the integration its task tags cannot be checked: the missing integration is the problem reported.
    const tags = shared
      ? new Set(
          (await everything((cursor) => this.tasks.list(shared.id, { limit: 200, cursor }))).map((t) => t.task_tag),
        )
      : null;
    const planned = await planStub(stub, index, path, target, tags);
    if (!shared)
      planned.item.problems.unshift({
        code: 'unresolved_reference',
        field: `${path}.integration`,
        message: `no integration titled "${target}" is shared with this tenant from above`,
      });
    if (planned.item.problems.length > 0) throw new AppImportFailed(failed([planned.item]));
    const existing = await this.instances.findByTitle((shared as IntegrationResponse).id, planned.stub.title);
    if (existing && options.import_type === 'skip')
      return {
        items: [{ ...planned.item, action: 'skip', id: existing.id, seq_id: existing.instance_id }],
        needs_secrets: [],
      };
    const needsSecrets: NeedsSecrets[] = [];
    try {
      await this.saveStub((shared as IntegrationResponse).id, target, planned, needsSecrets, () =>
        failed([planned.item]),
      );
    } catch (err) {
      if (!(err instanceof ConduitException)) throw err;
      planned.item.problems.push(...problemsOf(err, path));
      throw new AppImportFailed(failed([planned.item]));
    }
    return { items: [planned.item], needs_secrets: needsSecrets };
  }

  /**
   * Creates the stub's instance (inactive, what it needs listed) or updates the one of that title (its secrets and
   * status kept), then sets its ingestion. A refusal of the ingestion settings fails with `failure()`'s items.
   */
  private async saveStub(
    integrationId: string,
    integrationTitle: string,
    planned: PlannedInstance,
    needsSecrets: NeedsSecrets[],
    failure: () => ImportItemResult[],
  ): Promise<void> {
    const { stub, ingestion, secretsRequired, item, path } = planned;
    const found = await this.instances.findByTitle(integrationId, stub.title);
    if (found) {
      // Its secrets and status stay as they are; the stub's other settings replace the instance's.
      item.action = 'update';
      const { auth, status: _status, ...settings } = stub;
      const update: UpdateInstanceDto = { ...settings, ...(auth && auth.type === found.auth.type ? { auth } : {}) };
      const updated = await this.instances.update(found.id, update);
      item.id = updated.id;
      item.seq_id = updated.instance_id;
    } else {
      const { instance, needs_secrets } = await this.instances.createStub(integrationId, stub);
      item.id = instance.id;
      item.seq_id = instance.instance_id;
      // What creation found missing, and any other secret the exporting tenant's instance held.
      const needed = [...needs_secrets, ...secretsRequired.filter((s) => !needs_secrets.includes(s))];
      if (needed.length > 0)
        needsSecrets.push({
          instance_id: instance.id,
          title: instance.title,
          integration: integrationTitle,
          fields: needed,
        });
    }
    // After the instance and its integration's tasks exist: the service checks the task is an ingestion task.
    if (ingestion)
      try {
        await this.ingestion.put(item.id, ingestion);
      } catch (err) {
        if (!(err instanceof ConduitException)) throw err;
        item.problems.push(...problemsOf(err, `${path}.ingestion`));
        throw new AppImportFailed(failure());
      }
  }

  private saveIntegration(
    existing: IntegrationResponse | null,
    body: CreateIntegrationDto,
    logo: LogoContent | undefined,
  ): Promise<IntegrationResponse> {
    return existing ? this.integrations.update(existing.id, body, logo) : this.integrations.create(body, logo);
  }
}

function pathOf(item: ImportItemResult, tasks: PlannedTask[], stubs: PlannedInstance[], at: string): string {
  const task = tasks.find((t) => t.item === item);
  if (task) return `${at}.tasks[${task.index}]`;
  return stubs.find((s) => s.item === item)?.path ?? `${at}.instances`;
}

/**
 * An instance stub of the document checked before anything is written: its body by the create route's rules, its
 * `secrets_required` and `ingestion` members, and the task tags its health check and ingestion name (`knownTags`: the
 * integration's tasks, existing or about to be imported; null: not checked). Its problems are on its item.
 */
async function planStub(
  document: Record<string, unknown>,
  index: number,
  path: string,
  integrationTitle: string,
  knownTags: ReadonlySet<string> | null,
): Promise<PlannedInstance> {
  // A stub's members beside the instance body (see the export): what it needs, and its ingestion settings.
  const { secrets_required: secretsRequired, ingestion, ...stub } = document;
  const item = itemResult('instance', text(stub.title), text(stub.title), integrationTitle);
  const body = await validatedBody(SeedInstanceDto, stub, path);
  item.problems.push(...body.problems);
  if (secretsRequired !== undefined && !isStringList(secretsRequired))
    item.problems.push({
      code: 'validation_failed',
      field: `${path}.secrets_required`,
      message: 'must be a list of strings',
    });
  if (ingestion !== undefined && ingestion !== null && !isObject(ingestion))
    item.problems.push({
      code: 'validation_failed',
      field: `${path}.ingestion`,
      message: 'must be the ingestion settings (an object) or null',
    });
  const ingestionTag = isObject(ingestion) ? ingestion.task_tag : undefined;
  if (typeof ingestionTag === 'string' && knownTags && !knownTags.has(ingestionTag))
    item.problems.push({
      code: 'unresolved_reference',
      field: `${path}.ingestion.task_tag`,
      message: `no task tagged "${ingestionTag}" in the document or in the integration`,
    });
  if (!text(stub.title)) item.problems.push({ code: 'validation_failed', field: `${path}.title`, message: 'required' });
  const healthTag = body.value?.health_check?.task_tag;
  if (healthTag && knownTags && !knownTags.has(healthTag))
    item.problems.push({
      code: 'unresolved_reference',
      field: `${path}.health_check.task_tag`,
      message: `no task tagged "${healthTag}" in the document or in the integration`,
    });
  return {
    index,
    path,
    stub: { ...(body.value ?? new SeedInstanceDto()), title: text(stub.title) },
    ingestion: isObject(ingestion) ? ingestion : null,
    secretsRequired: isStringList(secretsRequired) ? secretsRequired : [],
    item,
  };
}

/** The items of an app that failed: each with problems is an error, the others were rolled back with it. */
function failed(items: ImportItemResult[]): ImportItemResult[] {
  const culprit = items.find((i) => i.problems.length > 0);
  return items.map((i) => ({
    ...i,
    action: 'error',
    id: null,
    seq_id: null,
    problems:
      i.problems.length > 0
        ? i.problems
        : [
            {
              code: 'rolled_back',
              message: `not imported: ${culprit ? `${culprit.kind} "${culprit.name}"` : 'an item'} of the same integration failed`,
            },
          ],
  }));
}
