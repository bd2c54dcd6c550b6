// `{{ expression }}` templates inside a step's request_params and headers. A string that is exactly one template
// takes the expression's JSON value (an array stays an array); any other string gets each value interpolated as text.
// `{{credentials.<name>}}` is not evaluated: rendering leaves a slot that fillCredentials() fills afterwards, once
// with the values (sent) and once with [REDACTED] (stored), so a credential never becomes data an expression can
// transform, compare or put in an error message.
import { CodedError } from '@conduit/platform';
import { CompiledExpression, ExpressionError, compileExpression, evaluateExpression } from './expression';

const OPEN = '{{';
const CLOSE = '}}';
const SHOWN_UNCLOSED = 60;

/** One template found in a JSON value, with the path of the string that holds it (e.g. `items[0].sku`). */
export interface TemplateSite {
  path: string;
  expression: string;
}

export const CREDENTIALS_ONLY_WHOLE =
  'credentials can only be used on their own, as {{credentials.<name>}} (alone or inside a longer string); ' +
  'they cannot be passed to functions, transformed, compared or used in conditions';

export class TemplateError extends CodedError<'template_invalid'> {
  readonly code = 'template_invalid';

  constructor(
    readonly path: string,
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`${path || 'value'}: {{${expression.trim()}}}: ${reason}`);
  }
}

/** A `{{` without a `}}` after it: refused, rather than sent as text. */
export class UnclosedTemplateError extends TemplateError {
  constructor(path: string, rest: string) {
    super(path, rest, 'unclosed template: "{{" has no matching "}}"');
    this.message = `${path || 'value'}: "{{${truncate(rest)}" is not closed: "{{" has no matching "}}"`;
  }
}

/** A rendered string that still needs credential values: text and credential names, in order. */
export class CredentialSlots {
  constructor(
    readonly path: string,
    readonly parts: readonly (string | { credential: string })[],
  ) {}
}

/** The result of rendering: JSON, with CredentialSlots where strings use credentials (usesCredentials tells). */
export interface RenderedValue {
  value: unknown;
  usesCredentials: boolean;
}

/** The literal text around the templates of a string, and the templates' expressions, in order. */
export interface TemplateParts {
  texts: string[];
  expressions: string[];
}

/** Splits a string into text and templates; throws UnclosedTemplateError on a `{{` without `}}`. */
export function templateParts(text: string, path = ''): TemplateParts {
  const texts: string[] = [];
  const expressions: string[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf(OPEN, at);
    if (open < 0) break;
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) throw new UnclosedTemplateError(path, text.slice(open + OPEN.length));
    texts.push(text.slice(at, open));
    expressions.push(text.slice(open + OPEN.length, close));
    at = close + CLOSE.length;
  }
  texts.push(text.slice(at));
  return { texts, expressions };
}

/** Every template in a JSON value, in document order. Throws UnclosedTemplateError. */
export function findTemplates(value: unknown, path = ''): TemplateSite[] {
  if (typeof value === 'string') {
    return value.includes(OPEN)
      ? templateParts(value, path).expressions.map((expression) => ({ path, expression }))
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findTemplates(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => findTemplates(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** A template of a value, compiled, with where it is. */
export interface CompiledTemplate extends TemplateSite {
  compiled: CompiledExpression;
}

/** Compiles every template of a value; throws TemplateError naming the first that does not parse. */
export function compileTemplates(value: unknown, path = ''): CompiledTemplate[] {
  return findTemplates(value, path).map((site) => ({ ...site, compiled: compileAt(site.path, site.expression) }));
}

/** Renders a JSON value against a CEL context (built with toCel). Throws TemplateError (and ExpressionError). */
export function renderTemplates(value: unknown, context: Record<string, unknown>, path = ''): RenderedValue {
  const state = { usesCredentials: false };
  return { value: render(value, context, path, state), usesCredentials: state.usesCredentials };
}

/** Fills the credential slots of a rendered value with valueOf(name); throws TemplateError for an unknown name. */
export function fillCredentials(rendered: RenderedValue, valueOf: (name: string) => string | undefined): unknown {
  if (!rendered.usesCredentials) return rendered.value;
  const fill = (v: unknown): unknown => {
    if (v instanceof CredentialSlots) {
      return v.parts
        .map((part) => {
          if (typeof part === 'string') return part;
          const value = valueOf(part.credential);
          if (value === undefined)
            throw new TemplateError(v.path, `credentials.${part.credential}`, `no credential named ${part.credential}`);
          return value;
        })
        .join('');
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(rendered.value);
}

function render(
  value: unknown,
  context: Record<string, unknown>,
  path: string,
  state: { usesCredentials: boolean },
): unknown {
  if (typeof value === 'string') return renderString(value, context, path, state);
  if (Array.isArray(value)) return value.map((v, i) => render(v, context, `${path}[${i}]`, state));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, render(v, context, path ? `${path}.${k}` : k, state)]),
    );
  }
  return value;
}

function renderString(
  text: string,
  context: Record<string, unknown>,
  path: string,
  state: { usesCredentials: boolean },
): unknown {
  if (!text.includes(OPEN)) return text;
  const { texts, expressions } = templateParts(text, path);
  const whole =
    expressions.length === 1 && texts.every((t) => t.trim() === '') && !(expressions[0] ?? '').includes(OPEN);
  if (whole) {
    const compiled = compileAt(path, expressions[0] ?? '');
    if (compiled.credential === null) return evaluateAt(path, compiled, context);
    state.usesCredentials = true;
    return new CredentialSlots(path, [{ credential: compiled.credential }]);
  }
  const parts: (string | { credential: string })[] = [];
  let slots = false;
  expressions.forEach((expression, i) => {
    parts.push(texts[i] ?? '');
    const compiled = compileAt(path, expression);
    if (compiled.credential === null) parts.push(asText(evaluateAt(path, compiled, context)));
    else {
      slots = true;
      parts.push({ credential: compiled.credential });
    }
  });
  parts.push(texts[texts.length - 1] ?? '');
  if (!slots) return parts.join('');
  state.usesCredentials = true;
  return new CredentialSlots(path, parts);
}

function compileAt(path: string, expression: string): CompiledExpression {
  if (expression.trim() === '') throw new TemplateError(path, expression, 'empty template');
  try {
    return compileExpression(expression);
  } catch (err) {
    throw new TemplateError(path, expression, (err as Error).message);
  }
}

function evaluateAt(path: string, compiled: CompiledExpression, context: Record<string, unknown>): unknown {
  // Definitions saved before this rule could still hold such expressions: they fail, and the context has no values.
  if (compiled.references.roots.has('credentials'))
    throw new TemplateError(path, compiled.source, CREDENTIALS_ONLY_WHOLE);
  try {
    return evaluateExpression(compiled, context);
  } catch (err) {
    throw new TemplateError(path, compiled.source, err instanceof ExpressionError ? err.message : String(err));
  }
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function truncate(text: string): string {
  return text.length > SHOWN_UNCLOSED ? `${text.slice(0, SHOWN_UNCLOSED)}…` : text;
}
