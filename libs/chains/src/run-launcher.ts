// Starts runs: the run row and its first step run are written in the caller's transaction (an API request or an
// event's publish), and the first step is queued only after that commits; the reconciler covers a lost enqueue.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, TenantId } from '@conduit/platform';
import { ChainStepScheduler } from './chain-step-scheduler';
import { ChainRunEntity, TriggerType } from './entities/chain-run.entity';
import { ChainStepRunEntity } from './entities/chain-step-run.entity';
import { ChainRunsRepository } from './repositories/chain-runs.repository';
import { ChainsRepository, LaunchableChain } from './repositories/chains.repository';

export interface LaunchInput {
  triggerType: TriggerType;
  triggerEvent: string;
  /** Set for event-triggered runs: at most one run per (chain, event). */
  triggerEventId: string | null;
  triggerData: unknown;
  createdBy: string | null;
}

@Injectable()
export class RunLauncher {
  constructor(
    private readonly db: TenantContext,
    private readonly runs: ChainRunsRepository,
    private readonly chains: ChainsRepository,
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
    if (input.triggerEventId && !(await this.runs.insertOnce(run))) return null;
    if (!input.triggerEventId) await this.runs.insert(run);
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
      task_run_id: null,
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
    await this.runs.insertStepRun(stepRun);
    this.db.afterCommit(() =>
      this.scheduler.enqueue([
        { tenantId: chain.tenant_id, runId: run.id, stepRunId: stepRun.id, attempt: 1, delayMs },
      ]),
    );
    return run;
  }

  /** Finds the active chains whose trigger matches one of `patterns` (or the one chain asked for), ready to launch. */
  launchable(tenantId: TenantId, where: { patterns?: string[]; chainId?: string }): Promise<LaunchableChain[]> {
    return this.chains.launchable(tenantId, where);
  }
}
