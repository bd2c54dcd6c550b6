import type { ChainResponse, ChainStepResponse, CompensationStepResponse } from './dto/chain.dto';
import type { ChainRunResponse, StepRunResponse } from './dto/chain-run.dto';
import type { CredentialResponse } from './dto/credential.dto';
import type { ChainRunEntity } from './entities/chain-run.entity';
import type { ChainStepRunEntity } from './entities/chain-step-run.entity';
import type { ChainStepEntity } from './entities/chain-step.entity';
import type { ChainEntity } from './entities/chain.entity';
import type { CredentialEntity } from './entities/credential.entity';

export function presentStep(s: ChainStepEntity): ChainStepResponse {
  return {
    id: s.id,
    step_order: s.step_order,
    type: s.step_type,
    webhook_id: s.webhook_id,
    instance_id: s.instance_uuid,
    task_tag: s.task_tag,
    input: s.task_input,
    name: s.name,
    description: s.description,
    request_params: s.request_params,
    headers: s.headers,
    condition: s.condition,
    on_success_action: s.on_success_action,
    on_failure_action: s.on_failure_action,
    max_retries: s.max_retries,
    retry_backoff_seconds: s.retry_backoff_seconds,
    delay_seconds: s.delay_seconds,
  };
}

export function presentChain(c: ChainEntity, steps: ChainStepEntity[]): ChainResponse {
  const byOrder = (a: ChainStepEntity, b: ChainStepEntity) => a.step_order - b.step_order;
  return {
    id: c.id,
    tenant_id: c.tenant_id,
    name: c.name,
    description: c.description,
    trigger_event: c.trigger_event,
    is_active: c.is_active,
    version: c.version,
    steps: steps
      .filter((s) => s.kind === 'step')
      .sort(byOrder)
      .map(presentStep),
    compensation_steps: steps
      .filter((s) => s.kind === 'compensation')
      .sort(byOrder)
      .map((s): CompensationStepResponse => ({ ...presentStep(s), compensates: s.compensates })),
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

export function presentRun(r: ChainRunEntity & { chain_name?: string }): ChainRunResponse {
  const end = r.completed_at ?? null;
  const start = r.started_at ?? null;
  return {
    id: r.id,
    chain_id: r.chain_id,
    chain_name: r.chain_name ?? null,
    status: r.status,
    trigger_type: r.trigger_type,
    trigger_event: r.trigger_event,
    trigger_event_id: r.trigger_event_id,
    trigger_data: r.trigger_data,
    current_step: r.current_step,
    total_steps: r.total_steps,
    failed_step: r.failed_step,
    compensation_status: r.compensation_status,
    last_error: r.last_error,
    started_at: start?.toISOString() ?? null,
    completed_at: end?.toISOString() ?? null,
    duration_ms: start && end ? end.getTime() - start.getTime() : null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

export function presentStepRun(s: ChainStepRunEntity): StepRunResponse {
  return {
    id: s.id,
    step_id: s.step_id,
    kind: s.kind,
    step_order: s.step_order,
    name: s.name,
    status: s.status,
    request_payload: s.request_payload ?? null,
    request_headers: s.request_headers,
    response_code: s.response_code,
    response_body: s.response_body,
    task_run_id: s.task_run_id ?? null,
    attempt_count: s.attempt_count,
    duration_ms: s.duration_ms,
    last_error: s.last_error,
    next_attempt_at: s.status === 'pending' ? (s.next_attempt_at?.toISOString() ?? null) : null,
    started_at: s.started_at?.toISOString() ?? null,
    completed_at: s.completed_at?.toISOString() ?? null,
  };
}

export function presentCredential(c: CredentialEntity): CredentialResponse {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    allowed_hosts: c.allowed_hosts,
    value: '[REDACTED]',
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}
