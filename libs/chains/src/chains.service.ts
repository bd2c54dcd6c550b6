import { Injectable } from '@nestjs/common';
import { AccessException, AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, Page, TenantId, decodeCursor, isUuid, toPage } from '@conduit/platform';
import { SubscriptionsService, WebhookException, assertEventPatterns, matchingPatterns } from '@conduit/webhooks';
import { StepDefinition, normalizeSteps, validateDefinition } from './chain-definition';
import { ChainException } from './chain.exception';
import { ChainResponse, CreateChainDto, ListChainsQueryDto, UpdateChainDto } from './dto/chain.dto';
import { ChainStepEntity } from './entities/chain-step.entity';
import { ChainEntity } from './entities/chain.entity';
import { presentChain } from './presenters';
import { ChainsRepository } from './repositories/chains.repository';

@Injectable()
export class ChainsService {
  constructor(
    private readonly db: TenantContext,
    private readonly chains: ChainsRepository,
    private readonly access: AccessService,
    private readonly subscriptions: SubscriptionsService,
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
      await this.assertSubscriptions(tenantId, [...steps, ...compensation]);
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
      await this.assertSubscriptions(chain.tenant_id, [...steps, ...compensation]);
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

  /** Every step's webhook_id must be a live subscription of the chain's tenant (400 naming the step otherwise). */
  private async assertSubscriptions(tenantId: TenantId, steps: StepDefinition[]): Promise<void> {
    const live = await this.subscriptions.existingIds(
      tenantId,
      steps.map((s) => s.webhook_id),
    );
    const bad = steps.filter((s) => !live.has(s.webhook_id));
    const [first] = bad;
    if (!first) return;
    const label = (s: StepDefinition) =>
      `${s.kind === 'compensation' ? 'Compensation step' : 'Step'} ${s.step_order} ("${s.name}")`;
    throw new ChainException(
      'invalid_chain_step',
      `${label(first)}: webhook_id ${first.webhook_id} is not a subscription of this tenant`,
      bad.map((s) => ({
        field: `${s.kind === 'compensation' ? 'compensation_steps' : 'steps'}[${s.step_order - 1}].webhook_id`,
        message: `${label(s)}: not a subscription of this tenant`,
        step: s.name,
        position: s.step_order,
      })),
    );
  }
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
    webhook_id: s.webhook_id,
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
