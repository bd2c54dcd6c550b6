import { Injectable } from '@nestjs/common';
import { AccessException, AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, Page, TenantId, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { TaskRunsService, TasksException } from '@conduit/tasks';
import { SubscriptionsService, WebhookException, assertEventPatterns, matchingPatterns } from '@conduit/webhooks';
import { StepDefinition, credentialsUsed, normalizeSteps, validateDefinition } from './chain-definition';
import { ChainException } from './chain.exception';
import { describeTarget, hostAllowed } from './credential-hosts';
import { ChainResponse, CreateChainDto, ListChainsQueryDto, UpdateChainDto } from './dto/chain.dto';
import { ChainStepEntity } from './entities/chain-step.entity';
import { ChainEntity } from './entities/chain.entity';
import { presentChain } from './presenters';
import { ChainsRepository } from './repositories/chains.repository';
import { CredentialsRepository } from './repositories/credentials.repository';

@Injectable()
export class ChainsService {
  constructor(
    private readonly db: TenantContext,
    private readonly chains: ChainsRepository,
    private readonly credentials: CredentialsRepository,
    private readonly access: AccessService,
    private readonly subscriptions: SubscriptionsService,
    private readonly taskRuns: TaskRunsService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** Creates in tenantId (the acting tenant unless a seed body named another one the caller administers). */
  async create(dto: CreateChainDto, tenantId = this.access.tenant().id): Promise<ChainResponse> {
    this.access.assert('create', 'Chain', { tenant_id: tenantId });
    assertTriggerEvent(dto.trigger_event);
    const steps = normalizeSteps(dto.steps, 'step');
    const compensation = normalizeSteps(dto.compensation_steps ?? [], 'compensation');
    validateDefinition(steps, compensation);
    const now = this.clock.now();
    const chain: ChainEntity = {
      id: this.ids.next(),
      tenant_id: tenantId,
      name: dto.name,
      description: dto.description ?? null,
      trigger_event: dto.trigger_event,
      is_active: dto.is_active ?? true,
      version: 1,
      steps_version: 1,
      created_by: this.access.principal().label,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    return this.db.runInTenant(tenantId, async () => {
      await this.assertStepTargets(tenantId, [...steps, ...compensation]);
      await this.chains.insert(chain);
      const rows = await this.insertSteps(chain, [...steps, ...compensation]);
      return presentChain(chain, rows);
    });
  }

  async list(query: ListChainsQueryDto, tenantId = this.access.tenant().id): Promise<Page<ChainResponse>> {
    this.access.assert('read', 'Chain', { tenant_id: tenantId });
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const filter = {
      triggerPatterns: query.trigger_event ? matchingPatterns(query.trigger_event) : undefined,
      active: query.is_active ? query.is_active === 'true' : undefined,
      nameContains: query.name || undefined,
    };
    return this.db.runInTenant(tenantId, async () => {
      const chains = await this.chains.page(tenantId, filter, { limit, cursor });
      const steps = await this.stepsOf(tenantId, chains.slice(0, limit));
      return toPage(chains, limit, (c) =>
        presentChain(
          c,
          steps.filter((s) => s.chain_id === c.id),
        ),
      );
    });
  }

  async get(id: string): Promise<ChainResponse> {
    const chain = await this.load(id, 'read');
    return presentChain(chain, await this.stepsOf(chain.tenant_id, [chain]));
  }

  /** Optimistic locking: the update applies only to the version the caller read, and makes a new one. */
  async update(id: string, dto: UpdateChainDto): Promise<ChainResponse> {
    const chain = await this.load(id, 'update');
    if (dto.trigger_event !== undefined) assertTriggerEvent(dto.trigger_event);
    const changes: Partial<ChainEntity> = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.trigger_event !== undefined) changes.trigger_event = dto.trigger_event;
    if (dto.is_active !== undefined) changes.is_active = dto.is_active;
    let definition: StepDefinition[] | null = null;
    if (dto.steps !== undefined || dto.compensation_steps !== undefined) {
      const current = await this.stepsOf(chain.tenant_id, [chain]);
      const steps = dto.steps
        ? normalizeSteps(dto.steps, 'step')
        : current.filter((s) => s.kind === 'step').map(asDefinition);
      const compensation = dto.compensation_steps
        ? normalizeSteps(dto.compensation_steps, 'compensation')
        : current.filter((s) => s.kind === 'compensation').map(asDefinition);
      validateDefinition(steps, compensation);
      await this.assertStepTargets(chain.tenant_id, [...steps, ...compensation]);
      definition = [...steps, ...compensation];
      changes.steps_version = chain.steps_version + 1;
    }
    const updated = await this.bump(chain, dto.version, changes);
    if (definition) await this.insertSteps(updated, definition);
    return this.get(updated.id);
  }

  async setActive(id: string, active: boolean): Promise<ChainResponse> {
    const chain = await this.load(id, 'update');
    if (chain.is_active !== active) await this.bump(chain, chain.version, { is_active: active });
    return this.get(chain.id);
  }

  /** Soft delete: runs keep their chain; nothing starts new runs of it. */
  async remove(id: string): Promise<void> {
    const chain = await this.load(id, 'delete');
    await this.bump(chain, chain.version, { deleted_at: this.clock.now(), is_active: false });
  }

  /**
   * Loads a live chain of the acting tenant: 403 when the caller may not act on chains of its own tenant (there is
   * nothing to hide there: the lookup only ever sees that tenant), else 404 when there is no such chain.
   */
  async load(id: string, action: 'read' | 'update' | 'delete' | 'create'): Promise<ChainEntity> {
    const tenantId = this.access.tenant().id;
    if (!this.access.can(action, 'Chain', { tenant_id: tenantId }))
      throw new AccessException('forbidden', 403, `You may not ${action} chains`);
    const chain = isUuid(id) ? await this.chains.find(tenantId, id) : null;
    if (!chain || chain.deleted_at) throw new ChainException('chain_not_found', 'Execution chain not found');
    return chain;
  }

  private async bump(chain: ChainEntity, expectedVersion: number, changes: Partial<ChainEntity>): Promise<ChainEntity> {
    const now = this.clock.now();
    if (!(await this.chains.bump(chain.tenant_id, chain.id, expectedVersion, changes, now))) {
      const current = await this.chains.find(chain.tenant_id, chain.id);
      throw new ChainException(
        'chain_version_conflict',
        `This chain changed since version ${expectedVersion}; read it again and reapply your change`,
        [{ field: 'version', message: `current version is ${current?.version ?? chain.version}` }],
      );
    }
    return { ...chain, ...changes, version: expectedVersion + 1, updated_at: now };
  }

  private async insertSteps(chain: ChainEntity, definition: StepDefinition[]): Promise<ChainStepEntity[]> {
    const now = this.clock.now();
    const rows: ChainStepEntity[] = definition.map((d) => ({
      ...d,
      id: this.ids.next(),
      tenant_id: chain.tenant_id,
      chain_id: chain.id,
      steps_version: chain.steps_version,
      created_at: now,
    }));
    await this.chains.insertSteps(rows);
    return rows;
  }

  /** The current steps (of each chain's steps_version), forward steps first. */
  private async stepsOf(tenantId: TenantId, chains: ChainEntity[]): Promise<ChainStepEntity[]> {
    if (chains.length === 0) return [];
    return this.chains.stepsOf(
      tenantId,
      chains.map((c) => c.id),
    );
  }

  /**
   * Every step's webhook_id must be a live subscription of the chain's tenant, and every credential its templates fill
   * in must allow that subscription's target host (400 naming the steps otherwise). A credential that does not exist
   * is not checked here: the step fails when it runs, as before.
   */
  private async assertStepTargets(tenantId: TenantId, all: StepDefinition[]): Promise<void> {
    await this.assertTaskSteps(
      tenantId,
      all.filter((s) => s.step_type === 'task'),
    );
    const steps = all.filter((s): s is StepDefinition & { webhook_id: string } => s.webhook_id !== null);
    if (steps.length === 0) return;
    const targets = await this.subscriptions.liveTargetUrls(
      tenantId,
      steps.map((s) => s.webhook_id),
    );
    const bad = steps.filter((s) => !targets.has(s.webhook_id));
    const [first] = bad;
    if (first) {
      throw new ChainException(
        'invalid_chain_step',
        `${stepLabel(first)}: webhook_id ${first.webhook_id} is not a subscription of this tenant`,
        bad.map((s) => ({
          field: `${stepList(s)}[${s.step_order - 1}].webhook_id`,
          message: `${stepLabel(s)}: not a subscription of this tenant`,
          step: s.name,
          position: s.step_order,
        })),
      );
    }
    await this.assertCredentialHosts(tenantId, steps, targets);
  }

  /**
   * Every task step's instance must be an instance of the tenant (not deleted) and its task_tag a live task of the
   * instance's integration (400 unknown_instance / unknown_task naming the steps otherwise). Checked with the rules a
   * run is prepared with (TaskRunsService.prepare, nothing written), with an empty input: the input is templated, so
   * it is checked against the task's input schema when the step runs, as is the instance's and the task's status (an
   * inactive instance or task fails the step then, not the save).
   */
  private async assertTaskSteps(tenantId: TenantId, steps: StepDefinition[]): Promise<void> {
    if (steps.length === 0) return;
    const owners = await this.taskRuns.owners(tenantId);
    const problems = await this.db.runInTenant(tenantId, async () => {
      const found: { step: StepDefinition; code: 'unknown_instance' | 'unknown_task'; message: string }[] = [];
      for (const step of steps) {
        const code = await this.taskStepProblem(tenantId, owners, step);
        if (code === 'unknown_instance')
          found.push({
            step,
            code,
            message: `${stepLabel(step)}: instance_id ${step.instance_uuid ?? ''} is not an instance of this tenant`,
          });
        else if (code === 'unknown_task')
          found.push({
            step,
            code,
            message: `${stepLabel(step)}: task_tag ${step.task_tag ?? ''} is not a task of the instance's integration`,
          });
      }
      return found;
    });
    const [first] = problems;
    if (!first) return;
    throw new ChainException(
      first.code,
      first.message,
      problems.map((p) => ({
        field: `${stepList(p.step)}[${p.step.step_order - 1}].${p.code === 'unknown_instance' ? 'instance_id' : 'task_tag'}`,
        code: p.code,
        message: p.message,
        step: p.step.name,
        position: p.step.step_order,
      })),
    );
  }

  private async taskStepProblem(
    tenantId: TenantId,
    owners: TenantId[],
    step: StepDefinition,
  ): Promise<'unknown_instance' | 'unknown_task' | null> {
    if (step.instance_uuid === null || !isUuid(step.instance_uuid)) return 'unknown_instance';
    try {
      await this.taskRuns.prepare(tenantId, owners, {
        instanceUuid: step.instance_uuid,
        taskTag: step.task_tag ?? '',
        input: {},
        source: 'chain',
      });
      return null;
    } catch (err) {
      if (!(err instanceof TasksException)) throw err;
      switch (err.code) {
        case 'instance_not_found':
          return 'unknown_instance';
        case 'task_not_found':
          return 'unknown_task';
        default:
          // instance_not_runnable, task_not_runnable, invalid_task_input: checked when the step runs.
          return null;
      }
    }
  }

  private async assertCredentialHosts(
    tenantId: TenantId,
    steps: StepDefinition[],
    targets: ReadonlyMap<string, string>,
  ): Promise<void> {
    // validateDefinition has parsed every template already.
    const uses = steps.map((step) => ({ step, names: [...credentialsUsed(step)] }));
    const names = [...new Set(uses.flatMap((u) => u.names))];
    if (names.length === 0) return;
    const allowed = await this.db.runInTenant(tenantId, () => this.credentials.allowedHostsByName(tenantId, names));
    const refused = uses.flatMap(({ step, names: used }) => {
      const url = targets.get(step.webhook_id ?? '') ?? '';
      return used.flatMap((name) => {
        const hosts = allowed.get(name);
        return hosts === undefined || hostAllowed(hosts, url) ? [] : [{ step, name, url }];
      });
    });
    const message = ({ step, name, url }: (typeof refused)[number]) =>
      `${stepLabel(step)}: credential ${name} may not be sent to ${describeTarget(url)}, the host of subscription ${step.webhook_id ?? ''}; add it to the credential's allowed_hosts or use a subscription on an allowed host`;
    const [first] = refused;
    if (!first) return;
    throw new ChainException(
      'credential_host_not_allowed',
      message(first),
      refused.map((r) => ({
        field: `${stepList(r.step)}[${r.step.step_order - 1}]`,
        message: message(r),
        step: r.step.name,
        position: r.step.step_order,
        credential: r.name,
      })),
    );
  }
}

function stepLabel(s: StepDefinition): string {
  return `${s.kind === 'compensation' ? 'Compensation step' : 'Step'} ${s.step_order} ("${s.name}")`;
}

function stepList(s: StepDefinition): string {
  return s.kind === 'compensation' ? 'compensation_steps' : 'steps';
}

function assertTriggerEvent(pattern: string): void {
  try {
    assertEventPatterns([pattern]);
  } catch (err) {
    if (!(err instanceof WebhookException)) throw err;
    throw new ChainException('invalid_trigger_event', `trigger_event ${pattern} is not an event type or pattern`, [
      { field: 'trigger_event', message: 'use names like order.placed, wildcards like order.* or *' },
    ]);
  }
}

function asDefinition(s: ChainStepEntity): StepDefinition {
  return {
    kind: s.kind,
    step_order: s.step_order,
    step_type: s.step_type,
    webhook_id: s.webhook_id,
    instance_uuid: s.instance_uuid,
    task_tag: s.task_tag,
    task_input: s.task_input,
    name: s.name,
    description: s.description,
    request_params: s.request_params,
    headers: s.headers,
    condition: s.condition,
    compensates: s.compensates,
    on_success_action: s.on_success_action,
    on_failure_action: s.on_failure_action,
    max_retries: s.max_retries,
    retry_backoff_seconds: s.retry_backoff_seconds,
    delay_seconds: s.delay_seconds,
  };
}
