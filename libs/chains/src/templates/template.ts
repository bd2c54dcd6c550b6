// `{{ expression }}` templates inside a step's request_params and headers. A string that is exactly one template
// takes the expression's JSON value (an array stays an array); any other string gets each value interpolated as text.
import { CompiledExpression, ExpressionError, compileExpression, evaluateExpression } from './expression';

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;
const WHOLE = /^\s*\{\{([\s\S]*?)\}\}\s*$/;

/** One template found in a JSON value, with the path of the string that holds it (e.g. `items[0].sku`). */
export interface TemplateSite {
  path: string;
  expression: string;
}

export class TemplateError extends Error {
  constructor(
    readonly path: string,
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`${path || 'value'}: {{${expression.trim()}}}: ${reason}`);
  }
}

/** Every template in a JSON value, in document order. */
export function findTemplates(value: unknown, path = ''): TemplateSite[] {
  if (typeof value === 'string') {
    return [...value.matchAll(TEMPLATE)].map((m) => ({ path, expression: m[1] ?? '' }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findTemplates(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => findTemplates(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** Compiles every template of a value; throws TemplateError naming the first that does not parse. */
export function compileTemplates(value: unknown, path = ''): CompiledExpression[] {
  return findTemplates(value, path).map((site) => compileAt(site.path, site.expression));
}

/** Renders a JSON value against a CEL context (built with toCel). Throws TemplateError. */
export function renderTemplates(value: unknown, context: Record<string, unknown>, path = ''): unknown {
  if (typeof value === 'string') return renderString(value, context, path);
  if (Array.isArray(value)) return value.map((v, i) => renderTemplates(v, context, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderTemplates(v, context, path ? `${path}.${k}` : k)]));
  }
  return value;
}

function renderString(text: string, context: Record<string, unknown>, path: string): unknown {
  if (!text.includes('{{')) return text;
  const whole = WHOLE.exec(text);
  if (whole && !(whole[1] ?? '').includes('{{') && text.indexOf('{{') === text.lastIndexOf('{{')) {
    return evaluateAt(path, whole[1] ?? '', context);
  }
  return text.replace(TEMPLATE, (_, expression: string) => asText(evaluateAt(path, expression, context)));
}

function compileAt(path: string, expression: string): CompiledExpression {
  if (expression.trim() === '') throw new TemplateError(path, expression, 'empty template');
  try {
    return compileExpression(expression);
  } catch (err) {
    throw new TemplateError(path, expression, (err as Error).message);
  }
}

function evaluateAt(path: string, expression: string, context: Record<string, unknown>): unknown {
  const compiled = compileAt(path, expression);
  try {
    return evaluateExpression(compiled, context);
  } catch (err) {
    throw new TemplateError(path, expression, err instanceof ExpressionError ? err.message : String(err));
  }
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
