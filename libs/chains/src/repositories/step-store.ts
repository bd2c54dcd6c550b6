// All SQL of the step engine, one statement and one round trip (prepared once per connection) each: the claim, and the
// record of
// an attempt together with everything that follows from it (the next step run, the run's new state). A record is
// fenced by the lease, so a worker whose lease expired, or whose run was cancelled meanwhile, changes nothing.
import { InvariantError, TenantId } from '@conduit/platform';
import { Injectable } from '@nestjs/common';
import { SqlValue, TenantRoundTrip, preparedStatement } from '@conduit/database';
import type { SealedSubscription } from '@conduit/webhooks/engine';
import type { StepRunStatus } from '../entities/chain-step-run.entity';
import type { OnFailureAction, OnSuccessAction, StepKind, StepType } from '../entities/chain-step.entity';
import type { StepSummary } from '../engine/step-decision';

/** A step run this worker holds a lease on, with everything running it needs. */
export interface ClaimedStep {
  id: string;
  tenant_id: TenantId;
  run_id: string;
  step_id: string;
  kind: StepKind;
  step_order: number;
  name: string;
  /** The attempt being made (1-based, over every round; attempts lost to an expired lease included). */
  attempt: number;
  attempt_base: number;
  /** Replaced when the lease is renewed (renewLease). */
  lease_token: string;
  run: {
    chain_id: string;
    steps_version: number;
    trigger_event: string;
    trigger_event_id: string | null;
    trigger_data: unknown;
    created_at: Date;
  };
  step: StepDetail;
  /** A webhook step's subscription; null for a task step. */
  subscription: ClaimedSubscription | null;
  /** Step runs of this run that have finished (this round's earlier steps and compensations). */
  finished: FinishedStep[];
  definition: StepSummary[];
  /** The run's compensation plan (compensation step orders in the order they run). */
  compensation_plan: number[];
}

export type ClaimedSubscription = SealedSubscription & {
  app_name: string;
  target_url: string;
  type: 'public' | 'private';
  is_active: boolean;
  deleted_at: Date | null;
};

export interface FinishedStep {
  kind: StepKind;
  step_order: number;
  name: string;
  status: StepRunStatus;
  response_code: number | null;
  response: unknown;
}

export interface StepResultRecord {
  status: StepRunStatus;
  requestPayload: unknown;
  requestHeaders: Record<string, string> | null;
  responseCode: number | null;
  responseBody: string | null;
  response: unknown;
  durationMs: number | null;
  lastError: string | null;
  /** A task step's task run. */
  taskRunId: string | null;
  /** For a retry: the same step run is due again after this long. */
  retryInMs: number | null;
}

/** What the record changes besides the step run: null fields stay as they are. */
export interface RunAdvance {
  next: { id: string; step: StepSummary } | null;
  run: {
    status: string | null;
    current_step: number | null;
    failed_step: number | null;
    last_error: string | null;
    compensation_status: string | null;
    compensation_plan: number[] | null;
    completed: boolean;
  };
}

interface ClaimRow {
  id: string;
  tenant_id: TenantId;
  run_id: string;
  step_id: string;
  kind: StepKind;
  step_order: number;
  name: string;
  attempt_count: number;
  attempt_base: number;
  lease_token: string;
  chain_id: string;
  steps_version: number;
  trigger_event: string;
  trigger_event_id: string | null;
  trigger_data: unknown;
  run_created_at: Date;
  // The subscription's columns are null for a task step (LEFT JOIN).
  webhook_id: string | null;
  target_url: string | null;
  app_name: string;
  type: 'public' | 'private';
  is_active: boolean;
  deleted_at: Date | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  headers_sealed: string | null;
  s_updated_at: Date;
  finished: FinishedStep[] | null;
  compensation_plan: number[];
}

/** A step as the engine runs it; rows of a steps_version never change, so these are cached. */
export interface StepDetail extends StepSummary {
  step_type: StepType;
  instance_uuid: string | null;
  task_tag: string | null;
  task_input: Record<string, unknown> | null;
  request_params: Record<string, unknown> | null;
  headers: Record<string, string> | null;
  condition: string | null;
  on_success_action: OnSuccessAction;
  on_failure_action: OnFailureAction;
  max_retries: number;
  retry_backoff_seconds: number;
}

// Forward steps run while the run is pending or running; compensation steps while its compensation is. Taking over
// an expired lease counts the attempt that held it (its worker died, or it failed before recording anything), so
// the engine can give up on a step whose attempts keep getting lost instead of sending it again for ever.
const CLAIM = preparedStatement(
  'chain_claim',
  `
  WITH claimed AS (
    UPDATE execution_chain_step_runs sr
       SET status = 'running', lease_expires_at = now() + make_interval(secs => $4::int),
           attempt_count = sr.attempt_count + CASE WHEN sr.status = 'running' THEN 1 ELSE 0 END,
           started_at = coalesce(sr.started_at, now()), updated_at = now()
      FROM execution_chain_runs r
     WHERE sr.id = $1::uuid AND sr.tenant_id = $2::uuid AND sr.attempt_count = $3::int - 1
       AND r.id = sr.run_id AND r.tenant_id = sr.tenant_id
       AND (sr.status = 'pending' OR (sr.status = 'running' AND sr.lease_expires_at < now()))
       AND ((sr.kind = 'step' AND r.status IN ('pending', 'running')) OR (sr.kind = 'compensation' AND r.compensation_status = 'running'))
    RETURNING sr.id, sr.tenant_id, sr.run_id, sr.step_id, sr.kind, sr.step_order, sr.name, sr.attempt_count, sr.attempt_base, sr.lease_expires_at
  ), started AS (
    UPDATE execution_chain_runs r SET status = 'running', started_at = coalesce(r.started_at, now()), updated_at = now()
      FROM claimed c
     WHERE r.id = c.run_id AND r.status = 'pending'
    RETURNING r.id
  )
  SELECT c.id, c.tenant_id, c.run_id, c.step_id, c.kind, c.step_order, c.name, c.attempt_count, c.attempt_base,
         c.lease_expires_at::text AS lease_token,
         r.chain_id, r.steps_version, r.trigger_event, r.trigger_event_id, r.trigger_data, r.created_at AS run_created_at, r.compensation_plan,
         st.webhook_id, s.target_url, s.app_name, s.type, s.is_active, s.deleted_at, s.secret_sealed, s.previous_secret_sealed,
         s.previous_secret_expires_at, s.headers_sealed, s.updated_at AS s_updated_at,
         (SELECT json_agg(json_build_object('kind', p.kind, 'step_order', p.step_order, 'name', p.name, 'status', p.status,
                                            'response_code', p.response_code, 'response', p.response))
            FROM execution_chain_step_runs p
           WHERE p.tenant_id = c.tenant_id AND p.run_id = c.run_id AND p.status IN ('sent', 'failed', 'skipped') AND p.id <> c.id) AS finished
    FROM claimed c
    JOIN execution_chain_runs r ON r.id = c.run_id
    JOIN execution_chain_steps st ON st.id = c.step_id
    LEFT JOIN webhook_subscriptions s ON s.id = st.webhook_id`,
);

// Written only while the lease is still ours: a worker whose lease expired and was reclaimed (or whose run was
// cancelled, which cancels its running step) must not overwrite what happened since; nothing else is written then
// either. The next step run may exist from an earlier round (a retried run): it starts over.
const RECORD = preparedStatement(
  'chain_record',
  `
  WITH f AS (
    UPDATE execution_chain_step_runs
       SET status = $4::text, attempt_count = $3::int, lease_expires_at = NULL, updated_at = now(),
           next_attempt_at = CASE WHEN $4::text = 'pending' THEN now() + make_interval(secs => $5::double precision / 1000) END,
           completed_at = CASE WHEN $4::text = 'pending' THEN NULL ELSE now() END,
           request_payload = $7::jsonb, request_headers = $8::jsonb, response_code = $9::int, response_body = $10::text,
           response = $11::jsonb, duration_ms = $12::int, last_error = $13::text, task_run_id = $27::uuid
     WHERE id = $1::uuid AND tenant_id = $2::uuid AND status = 'running' AND lease_expires_at = $6::timestamptz
    RETURNING run_id, tenant_id
  ), n AS (
    INSERT INTO execution_chain_step_runs (id, tenant_id, run_id, step_id, kind, step_order, name, status, next_attempt_at, created_at, updated_at)
    SELECT $14::uuid, f.tenant_id, f.run_id, $15::uuid, $16::text, $17::int, $18::text, 'pending', now() + make_interval(secs => $19::int), now(), now()
      FROM f WHERE $14::uuid IS NOT NULL
    ON CONFLICT (tenant_id, run_id, kind, step_order) DO UPDATE
       SET step_id = EXCLUDED.step_id, status = 'pending', attempt_base = execution_chain_step_runs.attempt_count,
           next_attempt_at = EXCLUDED.next_attempt_at, lease_expires_at = NULL, completed_at = NULL, updated_at = now()
    RETURNING id, attempt_count
  ), r AS (
    UPDATE execution_chain_runs r
       SET status = coalesce($20::text, r.status), current_step = coalesce($21::int, r.current_step),
           failed_step = coalesce($22::int, r.failed_step), last_error = coalesce($23::text, r.last_error),
           compensation_status = coalesce($24::text, r.compensation_status), compensation_plan = coalesce($25::int[], r.compensation_plan),
           completed_at = CASE WHEN $26::boolean THEN now() ELSE r.completed_at END, updated_at = now()
      FROM f
     WHERE r.id = f.run_id AND r.tenant_id = f.tenant_id
       AND ($20::text IS NOT NULL OR $21::int IS NOT NULL OR $24::text IS NOT NULL OR $26::boolean)
    RETURNING r.id
  )
  SELECT (SELECT count(*) FROM f)::int AS recorded, (SELECT id FROM n) AS next_id, (SELECT attempt_count FROM n) AS next_attempt_count,
         (SELECT count(*) FROM r)::int AS run_updated`,
);

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const intArray = (values: number[] | null): string | null =>
  values === null ? null : `{${values.map((v) => Math.trunc(v)).join(',')}}`;

const DEFINITION_CACHE_MAX_ENTRIES = 1000;

@Injectable()
export class StepStore {
  readonly #definitions = new Map<string, StepDetail[]>();

  constructor(private readonly trip: TenantRoundTrip) {}

  /**
   * Takes the lease on attempt `attempt` of a step run that is due, or whose holder's lease ran out; else null.
   * Not durable: a claim lost in a database crash only makes the step claimable again.
   */
  async claim(
    tenantId: TenantId,
    stepRunId: string,
    attempt: number,
    leaseSeconds: number,
  ): Promise<ClaimedStep | null> {
    const row = await this.claimRow(tenantId, stepRunId, attempt, leaseSeconds);
    if (!row) return null;
    const definition = await this.definition(tenantId, row.chain_id, row.steps_version);
    const step = definition.find((d) => d.id === row.step_id);
    if (!step)
      throw new InvariantError(
        'step_not_in_chain',
        `step ${row.step_id} is not part of chain ${row.chain_id} version ${row.steps_version}`,
      );
    return this.toClaimed(row, step, definition);
  }

  /** Every step of a chain version, from the cache or the database. */
  private async definition(tenantId: TenantId, chainId: string, stepsVersion: number): Promise<StepDetail[]> {
    const key = `${tenantId}:${chainId}:${stepsVersion}`;
    const hit = this.#definitions.get(key);
    if (hit) return hit;
    const rows = await this.trip.query<StepDetail>(
      tenantId,
      `SELECT id, kind, step_order, name, delay_seconds, compensates, step_type, instance_uuid, task_tag, task_input,
              request_params, headers, condition, on_success_action, on_failure_action, max_retries, retry_backoff_seconds
         FROM execution_chain_steps WHERE tenant_id = $1::uuid AND chain_id = $2::uuid AND steps_version = $3::int`,
      [tenantId, chainId, stepsVersion],
      { durable: true },
    );
    if (this.#definitions.size >= DEFINITION_CACHE_MAX_ENTRIES)
      this.#definitions.delete(this.#definitions.keys().next().value as string);
    this.#definitions.set(key, rows);
    return rows;
  }

  private async claimRow(
    tenantId: TenantId,
    stepRunId: string,
    attempt: number,
    leaseSeconds: number,
  ): Promise<ClaimRow | null> {
    const rows = await this.trip.execute<ClaimRow>(tenantId, CLAIM, [stepRunId, tenantId, attempt, leaseSeconds], {
      durable: false,
    });
    return rows[0] ?? null;
  }

  private toClaimed(row: ClaimRow, step: StepDetail, definition: StepDetail[]): ClaimedStep {
    return {
      id: row.id,
      tenant_id: row.tenant_id,
      run_id: row.run_id,
      step_id: row.step_id,
      kind: row.kind,
      step_order: row.step_order,
      name: row.name,
      attempt: row.attempt_count + 1,
      attempt_base: row.attempt_base,
      lease_token: row.lease_token,
      run: {
        chain_id: row.chain_id,
        steps_version: row.steps_version,
        trigger_event: row.trigger_event,
        trigger_event_id: row.trigger_event_id,
        trigger_data: row.trigger_data,
        created_at: row.run_created_at,
      },
      step,
      subscription:
        row.webhook_id === null || row.target_url === null
          ? null
          : {
              id: row.webhook_id,
              tenant_id: row.tenant_id,
              updated_at: row.s_updated_at,
              app_name: row.app_name,
              target_url: row.target_url,
              type: row.type,
              is_active: row.is_active,
              deleted_at: row.deleted_at,
              secret_sealed: row.secret_sealed,
              previous_secret_sealed: row.previous_secret_sealed,
              previous_secret_expires_at: row.previous_secret_expires_at,
              headers_sealed: row.headers_sealed,
            },
      finished: row.finished ?? [],
      definition,
      compensation_plan: row.compensation_plan ?? [],
    };
  }

  /**
   * Extends the lease of a step run this worker still holds (a task step while its task runs, which may take longer
   * than a lease). Returns the new lease token, or null when the lease was lost (cancelled, or taken over).
   */
  async renewLease(claim: ClaimedStep, leaseSeconds: number): Promise<string | null> {
    const rows = await this.trip.query<{ lease_token: string }>(
      claim.tenant_id,
      `UPDATE execution_chain_step_runs SET lease_expires_at = now() + make_interval(secs => $4::int), updated_at = now()
        WHERE id = $1::uuid AND tenant_id = $2::uuid AND status = 'running' AND lease_expires_at = $3::timestamptz
        RETURNING lease_expires_at::text AS lease_token`,
      [claim.id, claim.tenant_id, claim.lease_token, leaseSeconds],
      { durable: false },
    );
    return rows[0]?.lease_token ?? null;
  }

  /**
   * Records the attempt and applies `advance`, atomically and durably (it is what keeps a recorded step from being
   * sent again). Returns null when the lease was lost, else the next step run's attempt count when one was written.
   */
  async record(
    claim: ClaimedStep,
    result: StepResultRecord,
    advance: RunAdvance,
  ): Promise<{ next: { id: string; attempt_count: number } | null } | null> {
    const next = advance.next;
    const run = advance.run;
    const values: SqlValue[] = [
      claim.id,
      claim.tenant_id,
      claim.attempt,
      result.status,
      result.retryInMs ?? 0,
      claim.lease_token,
      json(result.requestPayload),
      json(result.requestHeaders),
      result.responseCode,
      result.responseBody,
      json(result.response),
      result.durationMs,
      result.lastError,
      next?.id ?? null,
      next?.step.id ?? null,
      next?.step.kind ?? null,
      next?.step.step_order ?? null,
      next?.step.name ?? null,
      next?.step.delay_seconds ?? 0,
      run.status,
      run.current_step,
      run.failed_step,
      run.last_error,
      run.compensation_status,
      intArray(run.compensation_plan),
      run.completed,
      result.taskRunId,
    ];
    const [row] = await this.trip.execute<{
      recorded: number;
      next_id: string | null;
      next_attempt_count: number | null;
    }>(claim.tenant_id, RECORD, values, {
      durable: true,
    });
    if (!row || row.recorded === 0) return null;
    return { next: row.next_id ? { id: row.next_id, attempt_count: row.next_attempt_count ?? 0 } : null };
  }
}
