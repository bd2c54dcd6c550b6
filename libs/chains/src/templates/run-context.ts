// The variables a step's templates and condition see: the trigger data, earlier steps' results (status, response_code,
// response, outputs), the run, the time.
// Credentials are not among them: templates name them as slots the engine fills after evaluation (template.ts).
import { CompiledExpression, ExpressionError, compileExpression, evaluateExpression, toCel } from './expression';
import { CREDENTIALS_ONLY_WHOLE } from './template';

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
  now: Date;
}

export function buildRunContext(input: RunContextInput): Record<string, unknown> {
  // outputs: a task step's outputs (its response is the task run's outputs), a webhook step's parsed response; the
  // same value as response, under the name task steps are read by, so either kind of step reads the same way.
  const views = [...input.steps]
    .sort((a, b) => a.step_order - b.step_order)
    .map((v) => ({ ...v, outputs: v.response }));
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
  const compiled = compileCondition(condition);
  if (compiled.references.roots.has('credentials')) throw new ExpressionError(CREDENTIALS_ONLY_WHOLE);
  const value = evaluateExpression(compiled, context);
  // The type, not the value: a condition's result is data and does not belong in an error message.
  if (typeof value !== 'boolean') throw new ExpressionError(`condition must be true or false, got ${jsonType(value)}`);
  return value;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}
