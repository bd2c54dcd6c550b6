// Checks a chain's steps before they are saved, so a bad template fails the request (400 naming the step and its
// position) instead of a run. Subscriptions are checked by ChainsService (they need the database).
import type { ErrorDetail } from '@conduit/platform';
import { ChainErrorCode, ChainException } from './chain.exception';
import type { ChainStepDto, CompensationStepDto } from './dto/chain.dto';
import type { OnFailureAction, StepKind, StepType } from './entities/chain-step.entity';
import {
  HEADER_VALUE_RULE,
  MAX_CUSTOM_HEADERS,
  MAX_HEADER_VALUE_LENGTH,
  headerNameProblem,
  isHeaderText,
} from '@conduit/outbound-http';
import {
  CREDENTIALS_ONLY_WHOLE,
  CompiledExpression,
  CompiledTemplate,
  ExpressionError,
  MAX_COMPREHENSION_NESTING,
  ROOT_VARIABLES,
  TemplateError,
  checkExpression,
  compileCondition,
  compileTemplates,
  templateParts,
} from './templates';

/** A step as stored: defaults applied, position fixed. */
export interface StepDefinition {
  kind: StepKind;
  step_order: number;
  step_type: StepType;
  /** Webhook steps only. */
  webhook_id: string | null;
  /** Task steps only. */
  instance_uuid: string | null;
  task_tag: string | null;
  task_input: Record<string, unknown> | null;
  name: string;
  description: string | null;
  request_params: Record<string, unknown> | null;
  headers: Record<string, string> | null;
  condition: string | null;
  compensates: string | null;
  on_success_action: 'continue' | 'stop' | 'pause';
  on_failure_action: OnFailureAction;
  max_retries: number;
  retry_backoff_seconds: number;
  delay_seconds: number;
}

const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_BACKOFF_SECONDS = 1;
const KNOWN_ROOTS = new Set<string>(ROOT_VARIABLES);

class StepProblem {
  constructor(
    readonly code: ChainErrorCode,
    readonly field: string,
    readonly message: string,
  ) {}
}

/** Sorts by step_order when every step gives one (they must then be 1..n), applies defaults. */
export function normalizeSteps(steps: (ChainStepDto | CompensationStepDto)[], kind: StepKind): StepDefinition[] {
  const list = kind === 'step' ? 'steps' : 'compensation_steps';
  const given = steps.filter((s) => s.step_order !== undefined).length;
  let ordered = steps;
  if (given > 0) {
    const orders = steps.map((s) => s.step_order ?? 0).sort((a, b) => a - b);
    if (given !== steps.length || orders.some((o, i) => o !== i + 1)) {
      throw new ChainException(
        'invalid_chain',
        `${list}: step_order must be given on every step or none, and run 1..${steps.length} without gaps`,
        [{ field: `${list}[].step_order`, message: `got ${steps.map((s) => s.step_order ?? '-').join(', ')}` }],
      );
    }
    ordered = [...steps].sort((a, b) => (a.step_order ?? 0) - (b.step_order ?? 0));
  }
  return ordered.map((s, i) => ({
    kind,
    step_order: i + 1,
    step_type: s.type ?? 'webhook',
    // UUIDs are case-insensitive; stored and compared lower-case. What a type does not allow is kept here, for
    // validateDefinition to refuse.
    webhook_id: s.webhook_id?.toLowerCase() ?? null,
    instance_uuid: s.instance_id?.toLowerCase() ?? null,
    task_tag: s.task_tag ?? null,
    task_input: s.input ?? null,
    name: s.name,
    description: s.description ?? null,
    request_params: s.request_params ?? null,
    headers: s.headers ?? null,
    condition: s.condition ?? null,
    compensates: 'compensates' in s ? (s.compensates ?? null) : null,
    on_success_action: s.on_success_action ?? 'continue',
    // The seed's example gives max_retries without an action and means "retry".
    on_failure_action: s.on_failure_action ?? (s.max_retries !== undefined ? 'retry' : 'stop'),
    max_retries: s.max_retries ?? DEFAULT_MAX_RETRIES,
    retry_backoff_seconds: s.retry_backoff_seconds ?? DEFAULT_BACKOFF_SECONDS,
    delay_seconds: s.delay_seconds ?? 0,
  }));
}

/** Throws ChainException (400) naming the first step with a problem, and listing every problem found. */
export function validateDefinition(steps: StepDefinition[], compensation: StepDefinition[]): void {
  const details: (ErrorDetail & { code: ChainErrorCode })[] = [];
  const forwardNames = new Set<string>();
  for (const [list, defs] of [
    ['steps', steps],
    ['compensation_steps', compensation],
  ] as const) {
    const names = new Set<string>();
    for (const step of defs) {
      const at = `${list}[${step.step_order - 1}]`;
      const problems = [
        ...stepProblems(step, at, steps, list === 'steps' ? forwardNames : new Set(steps.map((s) => s.name))),
      ];
      if (names.has(step.name))
        problems.push(
          new StepProblem('invalid_chain_step', `${at}.name`, `the name "${step.name}" is used by an earlier step`),
        );
      names.add(step.name);
      if (list === 'steps') forwardNames.add(step.name);
      for (const p of problems)
        details.push({
          code: p.code,
          field: p.field,
          message: p.message,
          step: step.name,
          position: step.step_order,
          kind: step.kind,
        });
    }
  }
  const [first] = details;
  if (!first) return;
  const label = first.kind === 'compensation' ? 'Compensation step' : 'Step';
  throw new ChainException(
    first.code,
    `${label} ${String(first.position)} ("${String(first.step)}"): ${first.message}`,
    details.map(({ code: _code, kind: _kind, ...d }) => d),
  );
}

function* stepProblems(
  step: StepDefinition,
  at: string,
  forward: StepDefinition[],
  earlierNames: ReadonlySet<string>,
): Generator<StepProblem> {
  // Forward steps may read the steps before them; compensation steps may read any forward step.
  const maxStep = step.kind === 'step' ? step.step_order - 1 : forward.length;
  yield* typeProblems(step, at);
  for (const [field, value] of [
    ['request_params', step.request_params],
    ['headers', step.headers],
    ['input', step.task_input],
  ] as const) {
    if (value === null) continue;
    let templates: CompiledTemplate[];
    try {
      templates = compileTemplates(value, field);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      yield new StepProblem('invalid_template', `${at}.${err.path}`, `template does not parse: ${err.message}`);
      continue;
    }
    for (const template of templates) {
      if (template.compiled.credential !== null) {
        if (field === 'input')
          yield new StepProblem(
            'invalid_chain_step',
            `${at}.${template.path}`,
            `${template.path}: {{credentials.${template.compiled.credential}}} cannot be used in a task step's input: the instance holds its own credentials`,
          );
        continue;
      }
      const where = `${at}.${template.path}`;
      for (const problem of referenceProblems(template.compiled, maxStep, earlierNames)) {
        yield new StepProblem(problem.code, where, `${template.path}: ${problem.message}`);
      }
      const checked = typeCheck(template.compiled.source);
      if ('error' in checked)
        yield new StepProblem(
          'invalid_template',
          where,
          `${template.path}: {{${template.compiled.source}}} does not type-check: ${checked.error}`,
        );
    }
  }
  if (step.condition !== null) yield* conditionProblems(step.condition, `${at}.condition`, maxStep, earlierNames);
  if (step.headers !== null) yield* headerProblems(step.headers, `${at}.headers`);
  if (step.kind === 'compensation' && step.compensates !== null && !forward.some((s) => s.name === step.compensates)) {
    yield new StepProblem(
      'invalid_chain_step',
      `${at}.compensates`,
      `compensates "${step.compensates}", which is not a step of this chain`,
    );
  }
}

/** The fields each step type requires and refuses. */
function* typeProblems(step: StepDefinition, at: string): Generator<StepProblem> {
  const given = (field: string, value: unknown) => (value === null ? [] : [field]);
  if (step.step_type === 'webhook') {
    if (step.webhook_id === null)
      yield new StepProblem('invalid_chain_step', `${at}.webhook_id`, 'webhook_id is required on a webhook step');
    for (const field of [
      ...given('instance_id', step.instance_uuid),
      ...given('task_tag', step.task_tag),
      ...given('input', step.task_input),
    ])
      yield new StepProblem(
        'invalid_chain_step',
        `${at}.${field}`,
        `${field} is only allowed on a task step (type: "task")`,
      );
    return;
  }
  if (step.instance_uuid === null)
    yield new StepProblem('invalid_chain_step', `${at}.instance_id`, 'instance_id is required on a task step');
  if (step.task_tag === null)
    yield new StepProblem('invalid_chain_step', `${at}.task_tag`, 'task_tag is required on a task step');
  for (const field of [
    ...given('webhook_id', step.webhook_id),
    ...given('request_params', step.request_params),
    ...given('headers', step.headers),
  ])
    yield new StepProblem(
      'invalid_chain_step',
      `${at}.${field}`,
      `${field} is not allowed on a task step: it runs the task with input on the instance`,
    );
}

function* conditionProblems(
  condition: string,
  field: string,
  maxStep: number,
  earlierNames: ReadonlySet<string>,
): Generator<StepProblem> {
  let compiled: CompiledExpression;
  try {
    compiled = compileCondition(condition);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    yield new StepProblem('invalid_condition', field, `condition does not parse: ${err.message}`);
    return;
  }
  for (const problem of referenceProblems(compiled, maxStep, earlierNames))
    yield new StepProblem(problem.code, field, `condition: ${problem.message}`);
  const checked = typeCheck(compiled.source);
  if ('error' in checked) {
    yield new StepProblem('invalid_condition', field, `condition does not type-check: ${checked.error}`);
  } else if (checked.type !== 'bool' && checked.type !== 'dyn') {
    // dyn: it depends on the data (trigger_data.flag), checked when the step runs.
    yield new StepProblem(
      'invalid_condition',
      field,
      `condition must be true or false, but {{${compiled.source}}} is ${article(checked.type)}`,
    );
  }
}

interface ExpressionProblem {
  code: ChainErrorCode;
  message: string;
}

/** Variables an expression may not read here, and macros nested too deep. */
function* referenceProblems(
  expression: CompiledExpression,
  maxStep: number,
  earlierNames: ReadonlySet<string>,
): Generator<ExpressionProblem> {
  const refs = expression.references;
  const shown = `{{${expression.source}}}`;
  if (refs.roots.has('credentials'))
    yield { code: 'invalid_chain_step', message: `${shown}: ${CREDENTIALS_ONLY_WHOLE}` };
  for (const root of refs.roots) {
    if (!KNOWN_ROOTS.has(root))
      yield {
        code: 'invalid_template',
        message: `${shown} uses ${root}; use trigger_data, step_N, steps, credentials, run or now`,
      };
  }
  for (const n of refs.stepNumbers) {
    if (n > maxStep)
      yield { code: 'invalid_template', message: `${shown} reads step_${n}, which does not run before this step` };
  }
  for (const name of refs.stepNames) {
    if (!earlierNames.has(name))
      yield { code: 'invalid_template', message: `${shown} reads steps["${name}"], which is not an earlier step` };
  }
  if (refs.comprehensionNesting > MAX_COMPREHENSION_NESTING) {
    yield {
      code: 'invalid_template',
      message: `${shown} nests macros (map, filter, all, exists, exists_one) ${refs.comprehensionNesting} deep; at most ${MAX_COMPREHENSION_NESTING} levels are allowed`,
    };
  }
}

/**
 * CEL's type for the expression (dyn when it depends on data), or why it does not type-check (an unknown function...).
 */
function typeCheck(source: string): { type: string } | { error: string } {
  try {
    return { type: checkExpression(source) };
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    return { error: err.message };
  }
}

function* headerProblems(headers: Record<string, unknown>, field: string): Generator<StepProblem> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_CUSTOM_HEADERS)
    yield new StepProblem('invalid_chain_step', field, `at most ${MAX_CUSTOM_HEADERS} headers`);
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    const shown = name.length > 100 ? `${name.slice(0, 100)}…` : name;
    const nameProblem = headerNameProblem(name, seen);
    if (nameProblem) {
      yield new StepProblem(
        'invalid_chain_step',
        `${field}.${shown}`,
        `header ${shown} is not allowed: ${nameProblem}`,
      );
      continue;
    }
    if (typeof value !== 'string') {
      yield new StepProblem(
        'invalid_chain_step',
        `${field}.${shown}`,
        `header ${shown} is not allowed: its value must be a string`,
      );
      continue;
    }
    let literal: string[];
    try {
      literal = templateParts(value).texts;
    } catch {
      continue; // an unclosed template, reported with the templates
    }
    if (!literal.every(isHeaderText) || literal.join('').length > MAX_HEADER_VALUE_LENGTH) {
      yield new StepProblem(
        'invalid_chain_step',
        `${field}.${shown}`,
        `header ${shown} is not allowed: its value must be ${HEADER_VALUE_RULE} (what templates render is checked when the step is sent)`,
      );
    }
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Credential names a step's templates fill in (conditions cannot read credentials). Throws TemplateError. */
export function credentialsUsed(step: Pick<StepDefinition, 'request_params' | 'headers'>): Set<string> {
  const names = new Set<string>();
  for (const template of [
    ...compileTemplates(step.request_params ?? null),
    ...compileTemplates(step.headers ?? null),
  ]) {
    if (template.compiled.credential !== null) names.add(template.compiled.credential);
  }
  return names;
}
