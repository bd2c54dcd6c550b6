// Starts runs: the run row and its first step run are written in the caller's transaction (an API request or an
// event's publish), and the first step is queued only after that commits; the reconciler covers a lost enqueue.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, TenantId } from '@conduit/platform';
import { ChainStepScheduler } from './chain-step-scheduler';
import { ChainRunEntity, TriggerType } from './entities/chain-run.entity';
import { ChainStepRunEntity } from './entities/chain-step-run.entity';

/** A chain about to run, with its first step. */
export interface LaunchableChain {
  id: string;
  tenant_id: TenantId;
  steps_version: number;
  total_steps: number;
  first_step: { id: string; name: string; delay_seconds: number };
}

export interface LaunchInput {
  triggerType: TriggerType;
  triggerEvent: string;
  /** Set for event-triggered runs: at most one run per (chain, event). */
  triggerEventId: string | null;
  triggerData: unknown;
  createdBy: string | null;
}

/** A chain with its first step and step count, for launching; the WHERE clause is the caller's. */
const LAUNCHABLE_SELECT = `
  SELECT c.id, c.tenant_id, c.steps_version, s.id AS step_id, s.name AS step_name, s.delay_seconds,
         (SELECT count(*)::int FROM execution_chain_steps x
           WHERE x.tenant_id = c.tenant_id AND x.chain_id = c.id AND x.steps_version = c.steps_version AND x.kind = 'step') AS total_steps
    FROM execution_chains c
    JOIN execution_chain_steps s ON s.tenant_id = c.tenant_id AND s.chain_id = c.id AND s.steps_version = c.steps_version
                                AND s.kind = 'step' AND s.step_order = 1`;

@Injectable()
export class RunLauncher {
  constructor(
    private readonly db: TenantContext,
    private readonly scheduler: ChainStepScheduler,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** Inside the caller's tenant transaction. Returns null when this event already started a run of this chain. */
  async launch(chain: LaunchableChain, input: LaunchInput): Promise<ChainRunEntity | null> {
    const now = this.clock.now();
    const run: ChainRunEntity = {
      id: this.ids.next(),
      tenant_id: chain.tenant_id,
      chain_id: chain.id,
      steps_version: chain.steps_version,
      status: 'pending',
      trigger_type: input.triggerType,
      trigger_event: input.triggerEvent,
      trigger_event_id: input.triggerEventId,
      trigger_data: input.triggerData ?? {},
      current_step: 1,
      total_steps: chain.total_steps,
      failed_step: null,
      compensation_status: null,
      compensation_plan: [],
      last_error: null,
      created_by: input.createdBy,
      started_at: null,
      completed_at: null,
      created_at: now,
      updated_at: now,
    };
    if (input.triggerEventId && !(await this.insertOnce(run))) return null;
    if (!input.triggerEventId) await this.db.insert(ChainRunEntity, run);
    const delayMs = chain.first_step.delay_seconds * 1000;
    const stepRun: ChainStepRunEntity = {
      id: this.ids.next(),
      tenant_id: chain.tenant_id,
      run_id: run.id,
      step_id: chain.first_step.id,
      kind: 'step',
      step_order: 1,
      name: chain.first_step.name,
      status: 'pending',
      request_payload: null,
      request_headers: null,
      response_code: null,
      response_body: null,
      response: null,
      attempt_count: 0,
      attempt_base: 0,
      duration_ms: null,
      last_error: null,
      next_attempt_at: new Date(now.getTime() + delayMs),
      lease_expires_at: null,
      started_at: null,
      completed_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insert(ChainStepRunEntity, stepRun);
    this.db.afterCommit(() =>
      this.scheduler.enqueue([
        { tenantId: chain.tenant_id, runId: run.id, stepRunId: stepRun.id, attempt: 1, delayMs },
      ]),
    );
    return run;
  }

  /** Finds the active chains whose trigger matches one of `patterns`, ready to launch. */
  async launchable(tenantId: TenantId, where: { patterns?: string[]; chainId?: string }): Promise<LaunchableChain[]> {
    // Every publish asks this (the event trigger): a statement of its own, without optional filters, prepared once
    // per connection. Planning the general form below on every publish cost a fifth of the publish path.
    const rows = (
      where.patterns && !where.chainId
        ? await this.db.prepared(
            'conduit_triggered_chains',
            `${LAUNCHABLE_SELECT}
              WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND c.is_active AND c.trigger_event = ANY($2::text[])
              ORDER BY c.id`,
            [tenantId, where.patterns],
          )
        : await this.db.em.query(
            `${LAUNCHABLE_SELECT}
              WHERE c.tenant_id = $1 AND c.deleted_at IS NULL
                AND ($2::text[] IS NULL OR (c.is_active AND c.trigger_event = ANY($2::text[])))
                AND ($3::uuid IS NULL OR c.id = $3::uuid)
              ORDER BY c.id`,
            [tenantId, where.patterns ?? null, where.chainId ?? null],
          )
    ) as {
      id: string;
      tenant_id: TenantId;
      steps_version: number;
      step_id: string;
      step_name: string;
      delay_seconds: number;
      total_steps: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      tenant_id: r.tenant_id,
      steps_version: r.steps_version,
      total_steps: r.total_steps,
      first_step: { id: r.step_id, name: r.step_name, delay_seconds: r.delay_seconds },
    }));
  }

  /**
   * INSERT guarded by the (chain, event) unique index: ON CONFLICT DO NOTHING, so a repeat neither fails nor
   * duplicates.
   */
  private async insertOnce(run: ChainRunEntity): Promise<boolean> {
    const result = await this.db.em
      .getRepository(ChainRunEntity)
      .createQueryBuilder()
      .insert()
      .values(run as never)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as unknown[]).length > 0;
  }
}
