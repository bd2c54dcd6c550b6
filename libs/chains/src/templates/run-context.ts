// The variables a step's templates and condition see: the trigger data, earlier steps' results, credentials, the run.
import { CompiledExpression, ExpressionError, compileExpression, evaluateExpression, toCel } from './expression';

const WRAPPED = /^\s*\{\{([\s\S]*)\}\}\s*$/;

export interface StepResultView {
  step_order: number;
  name: string;
  status: string;
  response_code: number | null;
  response: unknown;
}

export interface RunContextInput {
  run: { id: string; chain_id: string; trigger_event: string; trigger_event_id: string | null; created_at: Date };
  triggerData: unknown;
  /** Forward steps that have finished (sent, failed or skipped), any order. */
  steps: StepResultView[];
  credentials: Readonly<Record<string, string>>;
  now: Date;
}

export function buildRunContext(input: RunContextInput): Record<string, unknown> {
  const views = [...input.steps].sort((a, b) => a.step_order - b.step_order);
  const context: Record<string, unknown> = {
    trigger_data: input.triggerData ?? null,
    run: {
      id: input.run.id,
      chain_id: input.run.chain_id,
      trigger_event: input.run.trigger_event,
      trigger_event_id: input.run.trigger_event_id,
      created_at: input.run.created_at.toISOString(),
    },
    now: input.now.toISOString(),
    steps: Object.fromEntries(views.map((v) => [v.name, v])),
    credentials: { ...input.credentials },
  };
  for (const view of views) context[`step_${view.step_order}`] = view;
  return toCel(context) as Record<string, unknown>;
}

/** A condition is a CEL expression, optionally written as one template: `{{ trigger_data.score < 50 }}`. */
export function compileCondition(condition: string): CompiledExpression {
  const inner = WRAPPED.exec(condition)?.[1] ?? condition;
  if (inner.trim() === '') throw new ExpressionError('empty condition');
  return compileExpression(inner);
}

export function evaluateCondition(condition: string, context: Record<string, unknown>): boolean {
  const value = evaluateExpression(compileCondition(condition), context);
  if (typeof value !== 'boolean') throw new ExpressionError(`condition must be true or false, got ${JSON.stringify(value)}`);
  return value;
}
