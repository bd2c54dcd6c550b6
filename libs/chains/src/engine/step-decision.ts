// What happens after a step attempt: retry it, run the next step (or pause before it), complete or fail the run,
// and after a failure compensate the steps that succeeded (saga). Pure, so every branch is unit-tested.
import { unreachable } from '@conduit/platform';
import type { OnFailureAction, OnSuccessAction, StepKind } from '../entities/chain-step.entity';

export const MAX_BACKOFF_MS = 3600_000;

/** A step of the run's chain version, as the engine needs it to move on. */
export interface StepSummary {
  id: string;
  kind: StepKind;
  step_order: number;
  name: string;
  delay_seconds: number;
  compensates: string | null;
}

export interface StepPolicy {
  on_success_action: OnSuccessAction;
  on_failure_action: OnFailureAction;
  max_retries: number;
  retry_backoff_seconds: number;
}

export type AttemptOutcome = 'sent' | 'skipped' | 'failed';

export interface DecisionInput {
  kind: StepKind;
  stepOrder: number;
  outcome: AttemptOutcome;
  /** Attempts in the current round, this one included. */
  attemptsInRound: number;
  policy: StepPolicy;
  definition: StepSummary[];
  /** Names of forward steps whose last status is sent (this one included when it was just sent). */
  succeeded: ReadonlySet<string>;
  /** The run's compensation plan (compensation step orders, in the order they run). */
  compensationPlan: readonly number[];
  /** A compensation step of this run failed before this one. */
  compensationFailedBefore: boolean;
}

export type Decision =
  | { type: 'retry'; delayMs: number }
  | { type: 'next'; step: StepSummary; pause: boolean }
  | { type: 'complete' }
  | { type: 'fail'; compensation: StepSummary[] }
  | { type: 'compensate'; step: StepSummary }
  | { type: 'compensation_done'; status: 'completed' | 'failed' };

/** Retry n (1-based) waits backoff × 2^(n-1), at most an hour. */
export function backoffMs(baseSeconds: number, retry: number): number {
  return Math.min(MAX_BACKOFF_MS, baseSeconds * 1000 * 2 ** Math.max(0, retry - 1));
}

export function decide(input: DecisionInput): Decision {
  const { policy, outcome } = input;
  if (outcome === 'failed' && policy.on_failure_action === 'retry' && input.attemptsInRound <= policy.max_retries) {
    return { type: 'retry', delayMs: backoffMs(policy.retry_backoff_seconds, input.attemptsInRound) };
  }
  return input.kind === 'step' ? afterForwardStep(input) : afterCompensationStep(input);
}

function afterForwardStep(input: DecisionInput): Decision {
  const next = input.definition.find((s) => s.kind === 'step' && s.step_order === input.stepOrder + 1);
  switch (input.outcome) {
    case 'skipped':
      return next ? { type: 'next', step: next, pause: false } : { type: 'complete' };
    case 'sent':
      if (input.policy.on_success_action === 'stop' || !next) return { type: 'complete' };
      return { type: 'next', step: next, pause: input.policy.on_success_action === 'pause' };
    case 'failed':
      if (input.policy.on_failure_action === 'continue')
        return next ? { type: 'next', step: next, pause: false } : { type: 'complete' };
      return { type: 'fail', compensation: compensationPlan(input.definition, input.succeeded) };
    default:
      return unreachable(input.outcome, 'outcome');
  }
}

function afterCompensationStep(input: DecisionInput): Decision {
  const failed = input.compensationFailedBefore || input.outcome === 'failed';
  if (input.outcome === 'failed' && input.policy.on_failure_action === 'stop')
    return { type: 'compensation_done', status: 'failed' };
  const at = input.compensationPlan.indexOf(input.stepOrder);
  const nextOrder = at >= 0 ? input.compensationPlan[at + 1] : undefined;
  const next = input.definition.find((s) => s.kind === 'compensation' && s.step_order === nextOrder);
  if (next) return { type: 'compensate', step: next };
  return { type: 'compensation_done', status: failed ? 'failed' : 'completed' };
}

/**
 * The compensation steps to run after a failure, last defined first: those that compensate a step that succeeded,
 * and those that name no step. Nothing when no step succeeded (there is nothing to undo).
 */
export function compensationPlan(definition: StepSummary[], succeeded: ReadonlySet<string>): StepSummary[] {
  if (succeeded.size === 0) return [];
  return definition
    .filter((s) => s.kind === 'compensation' && (s.compensates === null || succeeded.has(s.compensates)))
    .sort((a, b) => b.step_order - a.step_order);
}
