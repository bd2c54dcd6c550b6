// One attempt's request, from the step's condition and templates: evaluated once (within the evaluation budget when
// an expression could be costly), then the credential slots filled twice, with the values (sent) and with
// [REDACTED] (stored). What cannot be sent or stored (a NUL, an unpaired surrogate, a number beyond double range, a
// header value Node's HTTP client refuses) throws StepRenderError: the step fails as a recorded attempt.
import { CodedError, InputProblemKind, REDACTED, findInputProblem, formatInputPath } from '@conduit/platform';
import { HEADER_VALUE_RULE, headerNameProblem, isSendableHeaderValue } from '@conduit/outbound-http';
import {
  RenderedValue,
  RunContextInput,
  buildRunContext,
  compileCondition,
  compileTemplates,
  evaluateCondition,
  fillCredentials,
  renderTemplates,
  withinEvaluationBudget,
} from '../templates';
import { headerText } from './step-request';
import type { StepDetail } from '../repositories/step-store';

export class StepRenderError extends CodedError<'step_render_failed'> {
  readonly code = 'step_render_failed';
}

export type RenderedStep =
  | { skipped: true }
  | {
      skipped: false;
      body: unknown;
      maskedBody: unknown;
      headers: Record<string, string>;
      maskedHeaders: Record<string, string>;
    };

/** What running a step needs to know before rendering it. */
export interface StepPlan {
  /** The credentials its templates fill in. */
  credentials: Set<string>;
  /** Some expression may be costly: evaluate within the budget. */
  budgeted: boolean;
}

const PLAN_CACHE_MAX_ENTRIES = 1000;
// By step id: a step row never changes (a new definition makes new rows).
const plans = new Map<string, StepPlan>();

/** Throws TemplateError or ExpressionError for a step whose templates or condition do not parse. */
export function stepPlan(step: StepDetail): StepPlan {
  const hit = plans.get(step.id);
  if (hit) return hit;
  const templates = [
    ...compileTemplates(step.request_params ?? null, 'request_params'),
    ...compileTemplates(step.task_input ?? null, 'input'),
    ...compileTemplates(step.headers ?? null, 'headers'),
  ];
  const expressions = templates.filter((t) => t.compiled.credential === null).map((t) => t.compiled);
  if (step.condition !== null) expressions.push(compileCondition(step.condition));
  const plan: StepPlan = {
    credentials: new Set(templates.flatMap((t) => (t.compiled.credential === null ? [] : [t.compiled.credential]))),
    budgeted: expressions.some((e) => !e.cheap),
  };
  if (plans.size >= PLAN_CACHE_MAX_ENTRIES) plans.delete(plans.keys().next().value as string);
  plans.set(step.id, plan);
  return plan;
}

/** The step's condition and templates evaluated, its credential slots not yet filled. */
export type EvaluatedStep = { skipped: true } | { skipped: false; body: RenderedValue; headers: RenderedValue };

/**
 * The condition and templates, evaluated before any credential is opened: a step its condition skips needs none, so
 * a credential its target may not receive does not fail it.
 */
export function evaluateStep(step: StepDetail, input: RunContextInput): EvaluatedStep {
  const plan = stepPlan(step);
  const context = buildRunContext(input);
  const evaluate = (): { body: RenderedValue; headers: RenderedValue } | null => {
    if (step.condition !== null && !evaluateCondition(step.condition, context)) return null;
    return {
      body:
        step.step_type === 'task'
          ? renderTemplates(step.task_input ?? {}, context, 'input')
          : renderTemplates(step.request_params ?? {}, context, 'request_params'),
      headers: renderTemplates(step.headers ?? {}, context, 'headers'),
    };
  };
  const rendered = plan.budgeted ? withinEvaluationBudget(evaluate) : evaluate();
  return rendered ? { skipped: false, ...rendered } : { skipped: true };
}

/** The credential slots of an evaluated step filled twice: with the values (sent) and with [REDACTED] (stored). */
export function fillStep(
  step: StepDetail,
  rendered: { body: RenderedValue; headers: RenderedValue },
  credentials: Readonly<Record<string, string>>,
): RenderedStep {
  const valueOf = (name: string) => (Object.hasOwn(credentials, name) ? credentials[name] : undefined);
  const body = fillCredentials(rendered.body, valueOf);
  const maskedBody = fillCredentials(rendered.body, () => REDACTED);
  const problem = findInputProblem(maskedBody);
  if (problem) {
    const path = formatInputPath(problem.path);
    throw new StepRenderError(
      `${step.step_type === 'task' ? 'input' : 'request_params'}${path && !path.startsWith('[') ? '.' : ''}${path}: the rendered value ${PROBLEMS[problem.kind]}`,
    );
  }
  const headers = headerText(fillCredentials(rendered.headers, valueOf));
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    const nameProblem = headerNameProblem(name, seen);
    if (nameProblem) throw new StepRenderError(`headers.${name}: not sendable: ${nameProblem}`);
    // Not the value: it may hold a credential.
    if (!isSendableHeaderValue(value))
      throw new StepRenderError(
        `headers.${name}: the rendered value cannot be sent as a header: it must be ${HEADER_VALUE_RULE}`,
      );
  }
  return {
    skipped: false,
    body,
    maskedBody,
    headers,
    maskedHeaders: headerText(fillCredentials(rendered.headers, () => REDACTED)),
  };
}

/** evaluateStep then fillStep. */
export function renderStep(
  step: StepDetail,
  input: RunContextInput,
  credentials: Readonly<Record<string, string>>,
): RenderedStep {
  const evaluated = evaluateStep(step, input);
  return evaluated.skipped ? evaluated : fillStep(step, evaluated, credentials);
}

const PROBLEMS: Record<InputProblemKind, string> = {
  nul_character: 'contains a NUL character (\\u0000), which cannot be stored',
  unpaired_surrogate: 'contains an unpaired UTF-16 surrogate, which is not valid Unicode and cannot be stored',
  number_out_of_range: 'is a number beyond double range (Infinity or NaN), which JSON cannot carry',
  too_deep: 'is nested more than 64 levels deep',
};
