// The SQL over task_runs, in the caller's tenant transaction. The worker's statements (claim, heartbeat, record) are
// conditional on the run's state and lease, so a stale job, a second worker or a cancelled run changes nothing.
import { Injectable } from '@nestjs/common';
import {
  CATALOGUE_OWNERS_SETTING,
  PageRequest,
  TenantContext,
  TenantRoundTrip,
  newestFirst,
  returnedRows,
  within,
} from '@conduit/database';
import { InstanceEntity } from '@conduit/integrations';
import type { TenantId } from '@conduit/platform';
import { RecordedCall, TaskRunEntity, TaskRunError, TaskRunSource, TaskRunStatus } from '../entities/task-run.entity';
import { TaskEntity } from '../entities/task.entity';

export interface TaskRunFilters {
  instanceUuid?: string;
  taskTag?: string;
  status?: TaskRunStatus;
  source?: TaskRunSource;
  since?: Date;
  until?: Date;
}

/** What the worker records when a claim ends (status is one of the finished ones). */
export interface TaskRunResult {
  status: Exclude<TaskRunStatus, 'queued' | 'running'>;
  outputs: Record<string, unknown> | null;
  error: TaskRunError | null;
  records_processed: number;
  response_status: number | null;
  attempts: Record<string, unknown>[];
  dependencies: RecordedCall[];
  performance: Record<string, number>;
}

export interface ClaimedRun extends TaskRunEntity {
  /** The lease as claimed: records and heartbeats hold only while it is unchanged by another claim. */
  lease_token: string;
}

@Injectable()
export class TaskRunsRepository {
  constructor(
    private readonly db: TenantContext,
    private readonly trip: TenantRoundTrip,
  ) {}

  async insert(row: TaskRunEntity): Promise<void> {
    await this.db.insert(TaskRunEntity, row);
  }

  find(tenantId: TenantId, id: string): Promise<TaskRunEntity | null> {
    return this.db.em.getRepository(TaskRunEntity).findOneBy({ tenant_id: tenantId, id });
  }

  page(tenantId: TenantId, filters: TaskRunFilters, page: PageRequest): Promise<TaskRunEntity[]> {
    const qb = this.db.em
      .getRepository(TaskRunEntity)
      .createQueryBuilder('r')
      .where('r.tenant_id = :tenantId', { tenantId });
    if (filters.instanceUuid) qb.andWhere('r.instance_uuid = :instance', { instance: filters.instanceUuid });
    if (filters.taskTag) qb.andWhere('r.task_tag = :tag', { tag: filters.taskTag });
    if (filters.status) qb.andWhere('r.status = :status', { status: filters.status });
    if (filters.source) qb.andWhere('r.source = :source', { source: filters.source });
    within(qb, 'r', filters);
    return newestFirst(qb, 'r', page).getMany();
  }

  /** Status of the given runs (wait polling). */
  async statuses(tenantId: TenantId, ids: string[]): Promise<Map<string, TaskRunStatus>> {
    const rows = (await this.db.em.query(
      `SELECT id, status FROM task_runs WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids],
    )) as { id: string; status: TaskRunStatus }[];
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  /** Cancels a run that has not finished; false when it had (or does not exist). */
  async cancel(tenantId: TenantId, id: string): Promise<boolean> {
    const rows = (await this.db.em.query(
      `UPDATE task_runs SET status = 'cancelled', finished_at = now(), updated_at = now(), lease_expires_at = NULL,
              duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE (extract(epoch FROM now() - started_at) * 1000)::int END,
              error = jsonb_build_object('code', 'cancelled', 'message', 'cancelled by request')
        WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running') RETURNING id`,
      [tenantId, id],
    )) as unknown;
    return returnedRows(rows).length > 0;
  }

  /**
   * Takes the run for this attempt: a queued run, or a running one whose lease expired (its worker died). The claim
   * counts (attempt_count), so a run whose workers keep dying is given up on by the runner.
   */
  async claim(tenantId: TenantId, id: string, attempt: number, leaseSeconds: number): Promise<ClaimedRun | null> {
    // One round trip (the worker's hot path), and not waiting for the WAL flush: a claim lost in a database crash
    // leaves the run queued, and it is claimed and called again, as when a worker dies mid-call (runs are at least
    // once). The record is durable.
    const rows = await this.trip.query<ClaimedRun>(
      tenantId,
      `UPDATE task_runs
          SET status = 'running', attempt_count = attempt_count + 1,
              lease_expires_at = now() + make_interval(secs => $4::int),
              started_at = coalesce(started_at, now()), updated_at = now()
        WHERE tenant_id = $1::uuid AND id = $2::uuid AND attempt_count = $3::int - 1
          AND (status = 'queued' OR (status = 'running' AND lease_expires_at < now()))
        RETURNING *, lease_expires_at::text AS lease_token`,
      [tenantId, id, attempt, leaseSeconds],
      { durable: false },
    );
    return rows[0] ?? null;
  }

  /**
   * What running a claimed run needs, in one round trip: the instance (null when deleted) and the live tasks of its
   * integration (a shared one's through the tasks_lookup policy, with `owners` in app.catalogue_owners).
   */
  async loadForRun(
    tenantId: TenantId,
    owners: readonly TenantId[],
    instanceUuid: string,
    integrationUuid: string,
  ): Promise<{ instance: InstanceEntity | null; tasks: TaskEntity[] }> {
    const [, instances, tasks] = await this.trip.queryMany(
      tenantId,
      [
        { sql: `SELECT set_config('${CATALOGUE_OWNERS_SETTING}', $1, true)`, values: [owners.join(',')] },
        {
          sql: `SELECT * FROM integration_instances WHERE tenant_id = $1::uuid AND id = $2::uuid AND deleted_at IS NULL`,
          values: [tenantId, instanceUuid],
        },
        {
          sql: `SELECT * FROM tasks WHERE integration_uuid = $1::uuid AND deleted_at IS NULL
                 ORDER BY execution_order, task_id`,
          values: [integrationUuid],
        },
      ],
      { durable: true },
    );
    return { instance: (instances[0] as InstanceEntity | undefined) ?? null, tasks: tasks as TaskEntity[] };
  }

  /** Extends a claim's lease; the new token, or null when the run was cancelled or claimed by another worker. */
  async heartbeat(tenantId: TenantId, id: string, token: string, leaseSeconds: number): Promise<string | null> {
    const rows = await this.trip.query<{ lease_token: string }>(
      tenantId,
      `UPDATE task_runs SET lease_expires_at = now() + make_interval(secs => $4::int)
        WHERE tenant_id = $1::uuid AND id = $2::uuid AND status = 'running' AND lease_expires_at = $3::timestamptz
        RETURNING lease_expires_at::text AS lease_token`,
      [tenantId, id, token, leaseSeconds],
      { durable: false },
    );
    return rows[0]?.lease_token ?? null;
  }

  /** Records the end of a claim, only while the lease is still this claim's; false otherwise (nothing written). */
  async record(tenantId: TenantId, id: string, token: string, result: TaskRunResult): Promise<boolean> {
    const rows = await this.trip.query<{ id: string }>(
      tenantId,
      `UPDATE task_runs
          SET status = $4, outputs = $5::jsonb, error = $6::jsonb, records_processed = $7::int, response_status = $8::int,
              attempts = $9::jsonb, dependencies = $10::jsonb, performance = $11::jsonb,
              finished_at = now(), updated_at = now(), lease_expires_at = NULL,
              duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
        WHERE tenant_id = $1::uuid AND id = $2::uuid AND status = 'running' AND lease_expires_at = $3::timestamptz
        RETURNING id`,
      [
        tenantId,
        id,
        token,
        result.status,
        json(result.outputs),
        json(result.error),
        result.records_processed,
        result.response_status,
        JSON.stringify(result.attempts),
        JSON.stringify(result.dependencies),
        JSON.stringify(result.performance),
      ],
      { durable: true },
    );
    return rows.length > 0;
  }

  /**
   * Ingestion runs (source `ingestion`) are the case poller's, not the task queue's: written `running` with no lease
   * when a poll starts (so neither the queue's claim nor the reconciler ever picks them up: both need an expired
   * lease), finished by finishIngestion, or marked lost here by the next run of the instance, which only starts once
   * the previous run's ingestion lease expired: a row still running then belongs to a worker that died mid-run.
   */
  async abandonIngestion(tenantId: TenantId, instanceUuid: string, error: TaskRunError): Promise<number> {
    const rows = (await this.db.em.query(
      `UPDATE task_runs SET status = 'failure', error = $3::jsonb, finished_at = now(), updated_at = now(),
              duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
        WHERE tenant_id = $1 AND instance_uuid = $2 AND source = 'ingestion' AND status = 'running'
          AND lease_expires_at IS NULL
        RETURNING id`,
      [tenantId, instanceUuid, JSON.stringify(error)],
    )) as unknown;
    return returnedRows(rows).length;
  }

  /**
   * Ingestion of the instance switched off: its run in progress (or one a dead worker left `running`) is cancelled with
   * this error. A live run stops at its next page (each page's transaction reads the run's status).
   */
  async cancelIngestion(tenantId: TenantId, instanceUuid: string, error: { code: string; message: string }) {
    await this.db.em.query(
      `UPDATE task_runs SET status = 'cancelled', error = $3::jsonb, finished_at = now(), updated_at = now(),
              duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
        WHERE tenant_id = $1 AND instance_uuid = $2 AND source = 'ingestion' AND status = 'running'`,
      [tenantId, instanceUuid, JSON.stringify(error)],
    );
  }

  /**
   * The end of an ingestion run started `running`; false when it is no longer running (marked lost, or cancelled and
   * this is not the cancelled run's own record of what it did before it stopped).
   */
  async finishIngestion(
    tenantId: TenantId,
    id: string,
    result: Pick<
      TaskRunEntity,
      'status' | 'outputs' | 'error' | 'records_processed' | 'response_status' | 'attempts' | 'performance' | 'input'
    >,
  ): Promise<boolean> {
    const rows = (await this.db.em.query(
      `UPDATE task_runs
          SET status = $3, outputs = $4::jsonb, error = CASE WHEN status = 'cancelled' THEN error ELSE $5::jsonb END, records_processed = $6::int,
              response_status = $7::int, attempts = $8::jsonb, performance = $9::jsonb, input = $10::jsonb,
              finished_at = now(), updated_at = now(),
              duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int
        WHERE tenant_id = $1 AND id = $2 AND source = 'ingestion'
          AND (status = 'running' OR (status = 'cancelled' AND $3 = 'cancelled'))
        RETURNING id`,
      [
        tenantId,
        id,
        result.status,
        json(result.outputs),
        json(result.error),
        result.records_processed,
        result.response_status,
        JSON.stringify(result.attempts),
        JSON.stringify(result.performance),
        JSON.stringify(result.input),
      ],
    )) as unknown;
    return returnedRows(rows).length > 0;
  }

  /** Runs the reconciler queues again: queued past the grace, or running with an expired lease. */
  due(
    tenantId: TenantId,
    afterId: string,
    limit: number,
    graceSeconds: number,
  ): Promise<{ id: string; attempt_count: number }[]> {
    return this.db.em.query(
      `SELECT id, attempt_count FROM task_runs
        WHERE tenant_id = $1 AND id > $2 AND status IN ('queued', 'running')
          AND ((status = 'queued' AND created_at <= now() - make_interval(secs => $4::int))
            OR (status = 'running' AND lease_expires_at < now()))
        ORDER BY id LIMIT $3`,
      [tenantId, afterId, limit, graceSeconds],
    ) as Promise<{ id: string; attempt_count: number }[]>;
  }

  /** Finished runs older than the cutoff (retention), a batch at a time. */
  async deleteOlderThan(tenantId: TenantId, cutoff: Date, limit: number): Promise<number> {
    const rows = (await this.db.em.query(
      `DELETE FROM task_runs WHERE id IN (
         SELECT id FROM task_runs WHERE tenant_id = $1 AND created_at < $2 AND finished_at IS NOT NULL LIMIT $3)
       RETURNING id`,
      [tenantId, cutoff, limit],
    )) as unknown;
    return returnedRows(rows).length;
  }
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
