// CEL expressions of chain templates and conditions: parsed once (cached), evaluated against a run's context, and
// analysed for the variables they use so definitions can be checked when they are saved. CEL is not Turing
// complete and cannot reach anything outside the context it is given: no eval, no Function. Credentials are never
// part of that context: `{{credentials.<name>}}` is a slot the engine fills after evaluation (see template.ts).
import { CodedError } from '@conduit/platform';
import { Environment, type ASTNode } from '@marcbachmann/cel-js';

const env = new Environment({
  unlistedVariablesAreDyn: true,
  enableOptionalTypes: true,
  homogeneousAggregateLiterals: false,
  limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
});

const CACHE_MAX_ENTRIES = 5000;
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
/** A comprehension (map, filter, all, exists, exists_one) inside another is fine; a third level is refused. */
export const MAX_COMPREHENSION_NESTING = 2;
export const STEP_VARIABLE = /^step_([1-9][0-9]{0,3})$/;
export const ROOT_VARIABLES = ['trigger_data', 'steps', 'credentials', 'run', 'now'] as const;
// Operators whose cost is bounded by the size of the expression and of the values it reads (no calls, no macros,
// no concatenation, no list or map literals that could repeat a large value): such expressions skip the watchdog.
const CHEAP_OPS = new Set([
  'value',
  'id',
  '.',
  '.?',
  '[]',
  '[?]',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'in',
  '!_',
  '-_',
  '-',
  '*',
  '/',
  '%',
  '?:',
  '||',
  '&&',
]);

type Evaluate = (context: Record<string, unknown>) => unknown;

/** What an expression reads, for validation and for opening only the credentials a step needs. */
export interface ExpressionReferences {
  /** Root variables other than step_N, e.g. trigger_data, credentials, foo (unknown ones included). */
  roots: Set<string>;
  /** N of every step_N. */
  stepNumbers: Set<number>;
  /** Names read as steps.<name> or steps["name"]. */
  stepNames: Set<string>;
  /** Names read as credentials.<name> or credentials["name"]. */
  credentialNames: Set<string>;
  /** credentials used in a way that does not name one statically. */
  dynamicCredentials: boolean;
  /** Deepest nesting of comprehension macros (0: none, 1: one level, 2: one inside another, ...). */
  comprehensionNesting: number;
}

export interface CompiledExpression {
  source: string;
  evaluate: Evaluate;
  references: ExpressionReferences;
  /** The credential name when the whole expression is `credentials.<name>` (or `credentials["name"]`), else null. */
  credential: string | null;
  /** Its evaluation cost is bounded by the size of its inputs: it needs no evaluation budget. */
  cheap: boolean;
}

export class ExpressionError extends CodedError<'expression_invalid'> {
  readonly code = 'expression_invalid';
}

const cache = new Map<string, CompiledExpression>();

/** The seed writes `{{.trigger_data.x}}` (Go template style): a leading dot is dropped. */
export function normalizeExpression(source: string): string {
  return source.trim().replace(/^\.(?=[A-Za-z_])/, '');
}

/** Parses (or returns the cached parse of) an expression; throws ExpressionError with the parser's message. */
export function compileExpression(raw: string): CompiledExpression {
  const source = normalizeExpression(raw);
  const hit = cache.get(source);
  if (hit) return hit;
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(source);
  } catch (err) {
    throw new ExpressionError(firstLine(err));
  }
  const compiled: CompiledExpression = {
    source,
    evaluate: (context) => parsed(context) as unknown,
    references: analyse(parsed.ast),
    credential: credentialReference(parsed.ast),
    cheap: isCheap(parsed.ast),
  };
  if (cache.size >= CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}

/**
 * The type CEL's checker infers for an expression (`dyn` when it depends on data, as every variable here does);
 * throws ExpressionError when it cannot type-check: an unknown function, no overload for the argument types.
 */
export function checkExpression(raw: string): string {
  const result = env.check(normalizeExpression(raw));
  if (!result.valid) throw new ExpressionError(firstLine(result.error));
  return result.type ?? 'dyn';
}

/** Evaluates with a JSON context; the result is plain JSON again (CEL ints become numbers). */
export function evaluateExpression(compiled: CompiledExpression, context: Record<string, unknown>): unknown {
  try {
    return fromCel(compiled.evaluate(context));
  } catch (err) {
    throw new ExpressionError(firstLine(err));
  }
}

/** CEL has int and double; JSON has number. Whole numbers become CEL ints so `trigger_data.n + 1` works. */
export function toCel(value: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map((v) => toCel(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v, depth + 1);
    return out;
  }
  return value;
}

/** CEL values back to JSON: ints to numbers (strings when too large), bytes to base64, timestamps to ISO text. */
export function fromCel(value: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((v) => fromCel(v, depth + 1));
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v, depth + 1)]));
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  if (ctor === 'UnsignedInteger' && 'value' in value) return fromCel((value as { value: unknown }).value, depth + 1);
  if (ctor && ctor !== 'Object') return String(value as object);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = fromCel(v, depth + 1);
  return out;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0].trim();
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function staticKey(node: unknown): string | undefined {
  return isNode(node) && node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

/** `credentials.name` or `credentials["name"]`, and nothing else around it. */
function credentialReference(ast: ASTNode): string | null {
  if (ast.op !== '.' && ast.op !== '[]') return null;
  const [target, key] = ast.args as [unknown, unknown];
  if (!isNode(target) || target.op !== 'id' || target.args !== 'credentials') return null;
  return (typeof key === 'string' ? key : staticKey(key)) ?? null;
}

function isCheap(ast: ASTNode): boolean {
  const pending: unknown[] = [ast];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      pending.push(...(node as unknown[]));
      continue;
    }
    if (!isNode(node)) continue;
    if (!CHEAP_OPS.has(node.op)) return false;
    if (node.op !== 'value' && node.op !== 'id') pending.push(node.args);
  }
  return true;
}

function analyse(ast: ASTNode): ExpressionReferences {
  const refs: ExpressionReferences = {
    roots: new Set(),
    stepNumbers: new Set(),
    stepNames: new Set(),
    credentialNames: new Set(),
    dynamicCredentials: false,
    comprehensionNesting: 0,
  };
  const root = (name: string) => {
    const step = STEP_VARIABLE.exec(name);
    if (step) refs.stepNumbers.add(Number(step[1]));
    else refs.roots.add(name);
  };
  const visit = (node: unknown, scope: ReadonlySet<string>, nesting: number): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, scope, nesting));
    if (!isNode(node)) return;
    switch (node.op) {
      case 'id': {
        const name = node.args;
        if (scope.has(name)) return;
        root(name);
        if (name === 'credentials') refs.dynamicCredentials = true;
        return;
      }
      case '.':
      case '.?':
      case '[]':
      case '[?]': {
        const [target, key] = node.args as [unknown, unknown];
        const name = typeof key === 'string' ? key : staticKey(key);
        if (isNode(target) && target.op === 'id' && !scope.has(target.args) && name !== undefined) {
          if (target.args === 'steps') {
            refs.roots.add('steps');
            refs.stepNames.add(name);
            return;
          }
          if (target.args === 'credentials') {
            refs.roots.add('credentials');
            refs.credentialNames.add(name);
            return;
          }
        }
        visit(target, scope, nesting);
        if (typeof key !== 'string') visit(key, scope, nesting);
        return;
      }
      case 'rcall': {
        const [method, receiver, args] = node.args;
        visit(receiver, scope, nesting);
        const [first, ...rest] = args;
        if (MACROS.has(method) && isNode(first) && first.op === 'id' && rest.length > 0) {
          refs.comprehensionNesting = Math.max(refs.comprehensionNesting, nesting + 1);
          visit(rest, new Set([...scope, first.args]), nesting + 1);
        } else {
          visit(args, scope, nesting);
        }
        return;
      }
      case 'value':
        return;
      default:
        visit(node.args, scope, nesting);
    }
  };
  visit(ast, new Set(), 0);
  return refs;
}
