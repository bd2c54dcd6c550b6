// Runs from the API: start one by hand, read them with their step runs, and resume, cancel or retry them. Each state
// change locks the run row, as the worker does when it records a step, so the two never interleave.
import { Injectable } from '@nestjs/common';
import { AccessException, AccessService } from '@conduit/access';
import { AnalyticsRollups, TenantContext } from '@conduit/database';
import {
  Clock,
  InvariantError,
  Page,
  TenantId,
  assertTimeWindow,
  decodeCursor,
  isUuid,
  toPage,
} from '@conduit/platform';
import { ChainException } from './chain.exception';
import { ChainStepScheduler } from './chain-step-scheduler';
import { ChainsService } from './chains.service';
import {
  ChainRunDetailResponse,
  ChainRunResponse,
  ExecuteChainDto,
  ExecutedRunResponse,
  ListRunsQueryDto,
} from './dto/chain-run.dto';
import { ChainRunEntity, RunStatus } from './entities/chain-run.entity';
import { presentRun, presentStepRun } from './presenters';
import { ChainRunsRepository, RunRow } from './repositories/chain-runs.repository';
import { RunLauncher } from './run-launcher';

@Injectable()
export class ChainRunsService {
  constructor(
    private readonly db: TenantContext,
    private readonly runs: ChainRunsRepository,
    private readonly access: AccessService,
    private readonly chains: ChainsService,
    private readonly launcher: RunLauncher,
    private readonly scheduler: ChainStepScheduler,
    private readonly clock: Clock,
    private readonly rollups: AnalyticsRollups,
  ) {}

  /** Starts a run of an active chain with the caller's trigger data; its first step is queued after commit. */
  async execute(chainId: string, dto: ExecuteChainDto): Promise<ExecutedRunResponse> {
    // Permissions before the lookup: a caller who may not start runs or read chains gets 403, a missing chain 404.
    this.permit('create');
    const chain = await this.chains.load(chainId, 'read');
    if (!chain.is_active) throw new ChainException('chain_inactive', 'This chain is inactive; activate it to run it');
    const [launchable] = await this.launcher.launchable(chain.tenant_id, { chainId: chain.id });
    if (!launchable) throw new ChainException('chain_not_found', 'Execution chain not found');
    const run = await this.launcher.launch(launchable, {
      triggerType: 'manual',
      triggerEvent: chain.trigger_event,
      triggerEventId: null,
      triggerData: dto.trigger_data ?? {},
      createdBy: this.access.principal().label,
    });
    if (!run) throw new InvariantError('run_not_created', 'a manual run was not created');
    return { ...presentRun({ ...run, chain_name: chain.name }), run_id: run.id };
  }

  async get(runId: string): Promise<ChainRunDetailResponse> {
    const run = await this.load(runId, 'read');
    const stepRuns = await this.runs.stepRuns(run.tenant_id, run.id);
    return { ...presentRun(run), step_runs: stepRuns.map(presentStepRun) };
  }

  /** Runs of the tenant, or of one chain (chainId, or the query's chain_id) when given. */
  async list(query: ListRunsQueryDto, chainId?: string): Promise<Page<ChainRunResponse>> {
    const tenantId = this.permit('read');
    const onlyChain = chainId ? (await this.chains.load(chainId, 'read')).id : query.chain_id;
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    assertTimeWindow(query.since, query.until);
    const rows = await this.runs.page(tenantId, { ...query, chain_id: onlyChain }, { limit, cursor });
    return toPage(rows, limit, presentRun);
  }

  /** A paused run goes on with its next step. */
  async resume(runId: string): Promise<ChainRunResponse> {
    const run = await this.lock(runId, ['paused'], 'resume');
    const now = this.clock.now();
    const next = await this.runs.resumePendingStep(run.tenant_id, run.id, now);
    const status: RunStatus = next ? 'running' : 'completed';
    await this.setRun(run, { status, ...(next ? {} : { completed_at: now }) });
    if (next) {
      const delayMs = next.next_attempt_at.getTime() - now.getTime();
      this.db.afterCommit(() =>
        this.scheduler.enqueue([
          { tenantId: run.tenant_id, runId: run.id, stepRunId: next.id, attempt: next.attempt_count + 1, delayMs },
        ]),
      );
    }
    return presentRun({ ...run, status, updated_at: now });
  }

  /** Stops a run that has not finished: nothing more is sent (a step already on the wire is not recorded). */
  async cancel(runId: string): Promise<ChainRunResponse> {
    const run = await this.lock(runId, ['pending', 'running', 'paused'], 'cancel');
    const now = this.clock.now();
    await this.runs.cancelOpenSteps(run.tenant_id, run.id, now);
    const changes = { status: 'cancelled' as const, completed_at: now, last_error: run.last_error ?? 'cancelled' };
    await this.setRun(run, changes);
    return presentRun({ ...run, ...changes, updated_at: now });
  }

  /**
   * A failed run starts again at the step that failed it, with a fresh round of retries. Not once its compensation
   * ran (or is running): the steps it undid would stay undone while the run went on as if they had not been.
   */
  async retry(runId: string): Promise<ChainRunResponse> {
    const run = await this.lock(runId, ['failed'], 'retry');
    if (run.compensation_status !== null) {
      throw new ChainException(
        'chain_run_state_conflict',
        run.compensation_status === 'running'
          ? 'This run is being compensated, so it cannot be retried; start a new run instead'
          : 'This run was compensated (its compensation steps ran), so it cannot be retried; start a new run instead',
        [{ field: 'compensation_status', message: run.compensation_status }],
      );
    }
    const now = this.clock.now();
    const step = await this.runs.retryFailedStep(run.tenant_id, run.id, run.failed_step ?? 0, now);
    if (!step) throw new ChainException('chain_run_state_conflict', 'This run has no failed step to retry');
    const changes = {
      status: 'running' as const,
      current_step: run.failed_step ?? run.current_step,
      failed_step: null,
      last_error: null,
      completed_at: null,
    };
    await this.setRun(run, changes);
    // Its hour may be rolled up already: analytics count it live until the worker rolls that hour up again.
    await this.rollups.markStale('chain_runs', run.tenant_id, [run.created_at]);
    this.db.afterCommit(() =>
      this.scheduler.enqueue([
        { tenantId: run.tenant_id, runId: run.id, stepRunId: step.id, attempt: step.attempt_count + 1 },
      ]),
    );
    return presentRun({ ...run, ...changes, updated_at: now });
  }

  /** 403 unless the caller may act on runs in its acting tenant (the only tenant the lookups here see); that tenant. */
  private permit(action: 'read' | 'create'): TenantId {
    const tenantId = this.access.tenant().id;
    if (!this.access.can(action, 'ChainRun', { tenant_id: tenantId }))
      throw new AccessException('forbidden', 403, `You may not ${action} chain runs`);
    return tenantId;
  }

  private async load(runId: string, action: 'read' | 'update'): Promise<RunRow> {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'ChainRun', { tenant_id: tenantId }, 'chain_run_not_found');
    if (!isUuid(runId)) throw new ChainException('chain_run_not_found', 'Chain run not found');
    const run = await this.runs.find(tenantId, runId);
    if (!run) throw new ChainException('chain_run_not_found', 'Chain run not found');
    return run;
  }

  /** Loads the run with its row locked; 409 unless it is in one of `allowed`. */
  private async lock(runId: string, allowed: RunStatus[], verb: string): Promise<RunRow> {
    const run = await this.load(runId, 'update');
    await this.runs.lock(run.tenant_id, run.id);
    const current = await this.load(runId, 'update');
    if (!allowed.includes(current.status)) {
      throw new ChainException(
        'chain_run_state_conflict',
        `A ${current.status} run cannot ${verb}; only a ${allowed.join(' or ')} one can`,
        [{ field: 'status', message: current.status }],
      );
    }
    return current;
  }

  private async setRun(run: ChainRunEntity, changes: Partial<ChainRunEntity>): Promise<void> {
    await this.runs.update(run.tenant_id, run.id, { ...changes, updated_at: this.clock.now() });
  }
}
