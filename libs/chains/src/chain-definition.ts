// Checks a chain's steps before they are saved, so a bad template fails the request (400 naming the step and its
// position) instead of a run. Subscriptions are checked by ChainsService (they need the database).
import type { ErrorDetail } from '@conduit/platform';
import { ChainErrorCode, ChainException } from './chain.exception';
import type { ChainStepDto, CompensationStepDto } from './dto/chain.dto';
import type { OnFailureAction, StepKind } from './entities/chain-step.entity';
import { CompiledExpression, ExpressionError, ROOT_VARIABLES, TemplateError, compileCondition, compileTemplates } from './templates';

/** A step as stored: defaults applied, position fixed. */
export interface StepDefinition {
  kind: StepKind;
  step_order: number;
  webhook_id: string;
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
const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;
// The client and the signature own these; Authorization is allowed (a credential), but private subscriptions' JWT wins.
const RESERVED_HEADERS = /^(content-type|content-length|host|user-agent|webhook-.*|x-loki-.*|x-conduit-.*|connection|transfer-encoding)$/i;
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
      throw new ChainException('invalid_chain', `${list}: step_order must be given on every step or none, and run 1..${steps.length} without gaps`, [
        { field: `${list}[].step_order`, message: `got ${steps.map((s) => s.step_order ?? '-').join(', ')}` },
      ]);
    }
    ordered = [...steps].sort((a, b) => (a.step_order ?? 0) - (b.step_order ?? 0));
  }
  return ordered.map((s, i) => ({
    kind,
    step_order: i + 1,
    webhook_id: s.webhook_id,
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
  for (const [list, defs] of [['steps', steps], ['compensation_steps', compensation]] as const) {
    const names = new Set<string>();
    for (const step of defs) {
      const at = `${list}[${step.step_order - 1}]`;
      const problems = [...stepProblems(step, at, steps, list === 'steps' ? forwardNames : new Set(steps.map((s) => s.name)))];
      if (names.has(step.name)) problems.push(new StepProblem('invalid_chain_step', `${at}.name`, `the name "${step.name}" is used by an earlier step`));
      names.add(step.name);
      if (list === 'steps') forwardNames.add(step.name);
      for (const p of problems) details.push({ code: p.code, field: p.field, message: p.message, step: step.name, position: step.step_order, kind: step.kind });
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

function* stepProblems(step: StepDefinition, at: string, forward: StepDefinition[], earlierNames: ReadonlySet<string>): Generator<StepProblem> {
  // Forward steps may read the steps before them; compensation steps may read any forward step.
  const maxStep = step.kind === 'step' ? step.step_order - 1 : forward.length;
  const expressions: { field: string; compiled: CompiledExpression[] }[] = [];
  for (const [field, value] of [['request_params', step.request_params], ['headers', step.headers]] as const) {
    if (value === null) continue;
    try {
      expressions.push({ field: `${at}.${field}`, compiled: compileTemplates(value, field) });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      yield new StepProblem('invalid_template', `${at}.${err.path}`, `template does not parse: ${err.message}`);
    }
  }
  if (step.condition !== null) {
    try {
      expressions.push({ field: `${at}.condition`, compiled: [compileCondition(step.condition)] });
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      yield new StepProblem('invalid_condition', `${at}.condition`, `condition does not parse: ${err.message}`);
    }
  }
  for (const { field, compiled } of expressions) {
    for (const expression of compiled) {
      const refs = expression.references;
      for (const root of refs.roots) {
        if (!KNOWN_ROOTS.has(root)) {
          yield new StepProblem('invalid_template', field, `{{${expression.source}}} uses ${root}; use trigger_data, step_N, steps, credentials, run or now`);
        }
      }
      for (const n of refs.stepNumbers) {
        if (n > maxStep) yield new StepProblem('invalid_template', field, `{{${expression.source}}} reads step_${n}, which does not run before this step`);
      }
      for (const name of refs.stepNames) {
        if (!earlierNames.has(name)) yield new StepProblem('invalid_template', field, `{{${expression.source}}} reads steps["${name}"], which is not an earlier step`);
      }
    }
  }
  if (step.headers !== null) {
    for (const [name, value] of Object.entries(step.headers)) {
      if (!HEADER_NAME.test(name) || RESERVED_HEADERS.test(name) || typeof value !== 'string' || value.length > 4000) {
        yield new StepProblem('invalid_chain_step', `${at}.headers.${name}`, `header ${name} is not allowed (reserved, malformed, or not a string up to 4000 characters)`);
      }
    }
    if (Object.keys(step.headers).length > 20) yield new StepProblem('invalid_chain_step', `${at}.headers`, 'at most 20 headers');
  }
  if (step.kind === 'compensation' && step.compensates !== null && !forward.some((s) => s.name === step.compensates)) {
    yield new StepProblem('invalid_chain_step', `${at}.compensates`, `compensates "${step.compensates}", which is not a step of this chain`);
  }
}

/** Credential names every template and condition of a step reads; null when some read is dynamic (open all). */
export function credentialsUsed(step: Pick<StepDefinition, 'request_params' | 'headers' | 'condition'>): Set<string> | null {
  const names = new Set<string>();
  const compiled = [...compileTemplates(step.request_params ?? null), ...compileTemplates(step.headers ?? null)];
  if (step.condition) compiled.push(compileCondition(step.condition));
  for (const c of compiled) {
    if (c.references.dynamicCredentials) return null;
    c.references.credentialNames.forEach((n) => names.add(n));
  }
  return names;
}
