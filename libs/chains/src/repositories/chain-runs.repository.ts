// The SQL over execution_chain_runs and their step runs that the API, the launcher and the reconciler run, in the
// caller's transaction. The step engine's claims and records are in StepStore.
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, newestFirst, withJoinedText, within } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { ChainRunEntity, RunStatus } from '../entities/chain-run.entity';
import { ChainStepRunEntity } from '../entities/chain-step-run.entity';

/** A run with its chain's name. */
export type RunRow = ChainRunEntity & { chain_name: string };

export interface RunFilter {
  chain_id?: string;
  status?: RunStatus;
  trigger_event?: string;
  since?: Date;
  until?: Date;
}

/** A step run queued again: its next attempt's number comes from attempt_count. */
export interface QueuedStepRun {
  id: string;
  attempt_count: number;
}

@Injectable()
export class ChainRunsRepository {
  constructor(private readonly db: TenantContext) {}

  async insert(run: ChainRunEntity): Promise<void> {
    await this.db.insert(ChainRunEntity, run);
  }

  /**
   * INSERT guarded by the (chain, event) unique index: ON CONFLICT DO NOTHING, so a repeat neither fails nor
   * duplicates. False for a repeat.
   */
  async insertOnce(run: ChainRunEntity): Promise<boolean> {
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

  async insertStepRun(stepRun: ChainStepRunEntity): Promise<void> {
    await this.db.insert(ChainStepRunEntity, stepRun);
  }

  page(tenantId: TenantId, filter: RunFilter, page: PageRequest): Promise<RunRow[]> {
    const qb = this.withChainName(tenantId);
    if (filter.chain_id) qb.andWhere('r.chain_id = :chainId', { chainId: filter.chain_id });
    if (filter.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter.trigger_event) qb.andWhere('r.trigger_event = :event', { event: filter.trigger_event });
    return withJoinedText(newestFirst(within(qb, 'r', filter), 'r', page), 'chain_name');
  }

  async find(tenantId: TenantId, id: string): Promise<RunRow | null> {
    const [run] = await withJoinedText(
      this.withChainName(tenantId).andWhere('r.id = :runId', { runId: id }),
      'chain_name',
    );
    return run ?? null;
  }

  /** Locks the run's row for the rest of the transaction (the worker does the same when it records a step). */
  async lock(tenantId: TenantId, id: string): Promise<void> {
    await this.db.em.query(`SELECT 1 FROM execution_chain_runs WHERE id = $1 AND tenant_id = $2 FOR UPDATE`, [
      id,
      tenantId,
    ]);
  }

  async update(tenantId: TenantId, id: string, changes: Partial<ChainRunEntity>): Promise<void> {
    await this.db.em.getRepository(ChainRunEntity).update({ id, tenant_id: tenantId }, changes as never);
  }

  /** Forward steps in order, then compensations in the order they ran (reverse of their definition). */
  stepRuns(tenantId: TenantId, runId: string): Promise<ChainStepRunEntity[]> {
    return this.db.em
      .getRepository(ChainStepRunEntity)
      .createQueryBuilder('sr')
      .where('sr.tenant_id = :tenantId AND sr.run_id = :runId', { tenantId, runId })
      .orderBy(`CASE WHEN sr.kind = 'step' THEN 0 ELSE 1 END`, 'ASC')
      .addOrderBy(`CASE WHEN sr.kind = 'step' THEN sr.step_order ELSE -sr.step_order END`, 'ASC')
      .getMany();
  }

  /** Makes a paused run's pending forward step due (no earlier than now); that step, if there is one. */
  async resumePendingStep(
    tenantId: TenantId,
    runId: string,
    now: Date,
  ): Promise<(QueuedStepRun & { next_attempt_at: Date }) | undefined> {
    const [[next]] = (await this.db.em.query(
      `UPDATE execution_chain_step_runs SET next_attempt_at = greatest(next_attempt_at, $3), updated_at = $3
        WHERE tenant_id = $1 AND run_id = $2 AND kind = 'step' AND status = 'pending'
        RETURNING id, attempt_count, next_attempt_at`,
      [tenantId, runId, now],
    )) as [(QueuedStepRun & { next_attempt_at: Date })[], number];
    return next;
  }

  /** Cancels the run's step runs that have not finished. */
  async cancelOpenSteps(tenantId: TenantId, runId: string, now: Date): Promise<void> {
    await this.db.em.query(
      `UPDATE execution_chain_step_runs SET status = 'cancelled', lease_expires_at = NULL, next_attempt_at = NULL, completed_at = $3, updated_at = $3
        WHERE tenant_id = $1 AND run_id = $2 AND status IN ('pending', 'running')`,
      [tenantId, runId, now],
    );
  }

  /** Makes the run's failed forward step at stepOrder pending again, with a fresh round of retries; that step. */
  async retryFailedStep(
    tenantId: TenantId,
    runId: string,
    stepOrder: number,
    now: Date,
  ): Promise<QueuedStepRun | undefined> {
    const [[step]] = (await this.db.em.query(
      `UPDATE execution_chain_step_runs
          SET status = 'pending', attempt_base = attempt_count, next_attempt_at = $4, lease_expires_at = NULL, completed_at = NULL, updated_at = $4
        WHERE tenant_id = $1 AND run_id = $2 AND kind = 'step' AND step_order = $3 AND status = 'failed'
        RETURNING id, attempt_count`,
      [tenantId, runId, stepOrder, now],
    )) as [QueuedStepRun[], number];
    return step;
  }

  /**
   * The tenant's step runs after afterId (in id order, at most limit) that are due but not in flight: pending and due,
   * or leased by a holder whose lease ran out, of a run still going (or being compensated).
   */
  due(tenantId: TenantId, afterId: string, limit: number): Promise<(QueuedStepRun & { run_id: string })[]> {
    return this.db.em.query(
      `SELECT sr.id, sr.run_id, sr.attempt_count FROM execution_chain_step_runs sr
         JOIN execution_chain_runs r ON r.id = sr.run_id AND r.tenant_id = sr.tenant_id
        WHERE sr.tenant_id = $1 AND sr.id > $2
          AND ((sr.status = 'pending' AND coalesce(sr.next_attempt_at, sr.created_at) <= now())
            OR (sr.status = 'running' AND sr.lease_expires_at < now()))
          AND ((sr.kind = 'step' AND r.status IN ('pending', 'running')) OR (sr.kind = 'compensation' AND r.compensation_status = 'running'))
        ORDER BY sr.id LIMIT $3`,
      [tenantId, afterId, limit],
    ) as Promise<(QueuedStepRun & { run_id: string })[]>;
  }

  private withChainName(tenantId: TenantId) {
    return this.db.em
      .getRepository(ChainRunEntity)
      .createQueryBuilder('r')
      .innerJoin('execution_chains', 'c', 'c.id = r.chain_id')
      .addSelect('c.name', 'chain_name')
      .where('r.tenant_id = :tenantId', { tenantId });
  }
}
