// All SQL of the step engine. A claim is one statement; recording a result, and what follows from it, runs in one
// tenant transaction holding the run's row lock (the API's resume, cancel and retry take the same lock).
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { IdGenerator } from '@conduit/platform';
import type { SealedSubscription } from '@conduit/webhooks';
import type { CompensationStatus, RunStatus } from '../entities/chain-run.entity';
import type { StepRunStatus } from '../entities/chain-step-run.entity';
import type { OnFailureAction, OnSuccessAction, StepKind } from '../entities/chain-step.entity';
import type { StepSummary } from './step-decision';

/** A step run this worker holds a lease on, with everything running it needs. */
export interface ClaimedStep {
  id: string;
  tenant_id: string;
  run_id: string;
  step_id: string;
  kind: StepKind;
  step_order: number;
  name: string;
  /** The attempt being made (1-based, over every round). */
  attempt: number;
  attempt_base: number;
  lease_token: string;
  run: { chain_id: string; steps_version: number; trigger_event: string; trigger_event_id: string | null; trigger_data: unknown; created_at: Date };
  step: {
    request_params: Record<string, unknown> | null;
    headers: Record<string, string> | null;
    condition: string | null;
    on_success_action: OnSuccessAction;
    on_failure_action: OnFailureAction;
    max_retries: number;
    retry_backoff_seconds: number;
  };
  subscription: SealedSubscription & { app_name: string; target_url: string; type: 'public' | 'private'; is_active: boolean; deleted_at: Date | null };
  /** Step runs of this run that have finished (this round's earlier steps and compensations). */
  finished: FinishedStep[];
  definition: StepSummary[];
}

export interface FinishedStep {
  kind: StepKind;
  step_order: number;
  name: string;
  status: StepRunStatus;
  response_code: number | null;
  response: unknown;
}

export interface LockedRun {
  id: string;
  status: RunStatus;
  compensation_status: CompensationStatus | null;
  compensation_plan: number[];
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
  /** For a retry: the same step run is due again after this long. */
  retryInMs: number | null;
}

interface ClaimRow {
  id: string;
  tenant_id: string;
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
  request_params: Record<string, unknown> | null;
  headers: Record<string, string> | null;
  condition: string | null;
  on_success_action: OnSuccessAction;
  on_failure_action: OnFailureAction;
  max_retries: number;
  retry_backoff_seconds: number;
  webhook_id: string;
  target_url: string;
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
  definition: StepSummary[] | null;
}

// Forward steps run while the run is pending or running; compensation steps while its compensation is.
const CLAIM_SQL = `
  WITH claimed AS (
    UPDATE execution_chain_step_runs sr
       SET status = 'running', lease_expires_at = now() + make_interval(secs => $4::int),
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
         r.chain_id, r.steps_version, r.trigger_event, r.trigger_event_id, r.trigger_data, r.created_at AS run_created_at,
         st.request_params, st.headers, st.condition, st.on_success_action, st.on_failure_action, st.max_retries, st.retry_backoff_seconds,
         st.webhook_id, s.target_url, s.app_name, s.type, s.is_active, s.deleted_at, s.secret_sealed, s.previous_secret_sealed,
         s.previous_secret_expires_at, s.headers_sealed, s.updated_at AS s_updated_at,
         (SELECT json_agg(json_build_object('kind', p.kind, 'step_order', p.step_order, 'name', p.name, 'status', p.status,
                                            'response_code', p.response_code, 'response', p.response))
            FROM execution_chain_step_runs p
           WHERE p.tenant_id = c.tenant_id AND p.run_id = c.run_id AND p.status IN ('sent', 'failed', 'skipped') AND p.id <> c.id) AS finished,
         (SELECT json_agg(json_build_object('id', d.id, 'kind', d.kind, 'step_order', d.step_order, 'name', d.name,
                                            'delay_seconds', d.delay_seconds, 'compensates', d.compensates))
            FROM execution_chain_steps d
           WHERE d.tenant_id = c.tenant_id AND d.chain_id = r.chain_id AND d.steps_version = r.steps_version) AS definition
    FROM claimed c
    JOIN execution_chain_runs r ON r.id = c.run_id
    JOIN execution_chain_steps st ON st.id = c.step_id
    JOIN webhook_subscriptions s ON s.id = st.webhook_id`;

// Written only while the lease is still ours: a worker whose lease expired and was reclaimed (or whose run was
// cancelled) must not overwrite what happened since.
const FINISH_SQL = `
  UPDATE execution_chain_step_runs
     SET status = $4::text, attempt_count = $3::int, lease_expires_at = NULL, updated_at = now(),
         next_attempt_at = CASE WHEN $4::text = 'pending' THEN now() + make_interval(secs => $5::double precision / 1000) END,
         completed_at = CASE WHEN $4::text = 'pending' THEN NULL ELSE now() END,
         request_payload = $7::jsonb, request_headers = $8::jsonb, response_code = $9::int, response_body = $10::text,
         response = $11::jsonb, duration_ms = $12::int, last_error = $13::text
   WHERE id = $1::uuid AND tenant_id = $2::uuid AND status = 'running' AND lease_expires_at = $6::timestamptz
  RETURNING id`;

// A step run for the next step (or compensation). A row left from an earlier round (a retried run) starts over.
const NEXT_SQL = `
  INSERT INTO execution_chain_step_runs (id, tenant_id, run_id, step_id, kind, step_order, name, status, next_attempt_at, created_at, updated_at)
  VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::text, $6::int, $7::text, 'pending', now() + make_interval(secs => $8::int), now(), now())
  ON CONFLICT (tenant_id, run_id, kind, step_order) DO UPDATE
     SET step_id = EXCLUDED.step_id, status = 'pending', attempt_base = execution_chain_step_runs.attempt_count,
         next_attempt_at = EXCLUDED.next_attempt_at, lease_expires_at = NULL, completed_at = NULL, updated_at = now()
  RETURNING id, attempt_count`;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

@Injectable()
export class StepStore {
  constructor(
    private readonly db: TenantContext,
    private readonly ids: IdGenerator,
  ) {}

  /** Takes the lease on attempt `attempt` of a step run that is due, or whose holder's lease ran out; else null. */
  async claim(tenantId: string, stepRunId: string, attempt: number, leaseSeconds: number): Promise<ClaimedStep | null> {
    const rows = (await this.db.runInTenant(tenantId, () => this.db.em.query(CLAIM_SQL, [stepRunId, tenantId, attempt, leaseSeconds]))) as ClaimRow[];
    const row = rows[0];
    if (!row) return null;
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
      step: {
        request_params: row.request_params,
        headers: row.headers,
        condition: row.condition,
        on_success_action: row.on_success_action,
        on_failure_action: row.on_failure_action,
        max_retries: row.max_retries,
        retry_backoff_seconds: row.retry_backoff_seconds,
      },
      subscription: {
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
      definition: row.definition ?? [],
    };
  }

  /** Inside a tenant transaction: the run's row, locked until commit. */
  async lockRun(runId: string): Promise<LockedRun | null> {
    const rows = (await this.db.em.query(
      `SELECT id, status, compensation_status, compensation_plan FROM execution_chain_runs WHERE id = $1 FOR UPDATE`,
      [runId],
    )) as LockedRun[];
    return rows[0] ?? null;
  }

  /** Inside a tenant transaction: records the attempt; false when the lease was lost. */
  async finish(claim: ClaimedStep, result: StepResultRecord): Promise<boolean> {
    const [rows] = (await this.db.em.query(FINISH_SQL, [
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
    ])) as [{ id: string }[], number];
    return rows.length > 0;
  }

  /** Inside a tenant transaction: the pending step run for `step`, due after its delay. */
  async createNext(claim: ClaimedStep, step: StepSummary): Promise<{ id: string; attempt_count: number }> {
    const rows = (await this.db.em.query(NEXT_SQL, [
      this.ids.next(),
      claim.tenant_id,
      claim.run_id,
      step.id,
      step.kind,
      step.step_order,
      step.name,
      step.delay_seconds,
    ])) as { id: string; attempt_count: number }[];
    const row = rows[0];
    if (!row) throw new Error(`step run for ${step.kind} ${step.step_order} was not written`);
    return row;
  }

  /** Inside a tenant transaction. */
  async updateRun(runId: string, changes: Partial<Record<'status' | 'current_step' | 'failed_step' | 'compensation_status' | 'last_error', string | number | null>> & { compensation_plan?: number[]; completed?: boolean }): Promise<void> {
    const sets: string[] = ['updated_at = now()'];
    const values: unknown[] = [runId];
    for (const [column, value] of Object.entries(changes)) {
      if (column === 'completed') {
        if (value) sets.push('completed_at = now()');
        continue;
      }
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    await this.db.em.query(`UPDATE execution_chain_runs SET ${sets.join(', ')} WHERE id = $1`, values);
  }
}
