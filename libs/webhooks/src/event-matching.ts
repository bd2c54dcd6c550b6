// Which subscriptions an event reaches: event-type patterns (exact, `order.*`, `*`) and a MongoDB-style payload filter.
import sift from 'sift';
import { WebhookException } from './webhook.exception';

export const EVENT_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const EVENT_PATTERN = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;
const ALLOWED_OPERATORS = new Set([
  '$eq',
  '$neq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
  '$and',
  '$or',
]);

export function isValidEventName(name: string): boolean {
  return name.length <= 200 && EVENT_NAME.test(name);
}

export function assertEventPatterns(patterns: string[]): void {
  const bad = patterns.filter((p) => p.length > 200 || !EVENT_PATTERN.test(p));
  if (bad.length > 0) {
    throw new WebhookException('invalid_event_type', `Not a valid event type or pattern: ${bad.join(', ')}`, [
      { field: 'event_types', message: 'use names like order.created, wildcards like order.* or *' },
    ]);
  }
}

/** The stored patterns that match an event name: itself, each `prefix.*`, and `*`. */
export function matchingPatterns(eventName: string): string[] {
  const parts = eventName.split('.');
  const prefixes = parts.slice(0, -1).map((_, i) => `${parts.slice(0, i + 1).join('.')}.*`);
  return [eventName, ...prefixes, '*'];
}

/** `$neq` is the documented spelling; sift knows MongoDB's `$ne`. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k === '$neq' ? '$ne' : k, normalize(v)]));
}

const COMPARISONS = new Set(['$gt', '$gte', '$lt', '$lte']);
const EQUALITIES = new Set(['$eq', '$neq', '$ne']);
const MEMBERSHIPS = new Set(['$in', '$nin']);
const LOGICAL = new Set(['$and', '$or']);
const MAX_FILTER_DEPTH = 8;
const MAX_FILTER_NODES = 500;
const MAX_LIST = 1000;

type Problem = { path: string; message: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const hasOperatorKey = (v: unknown): boolean => isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'));

/**
 * Checks a filter against the documented language, so a filter that is stored also means what it says:
 * `{ "<dotted.path>": <literal> | { <operator>: <operand>, ... }, "$and"|"$or": [<filter>, ...] }` with
 * $eq/$neq on literals, $gt/$gte/$lt/$lte on numbers or strings, $in/$nin on arrays of literals, $exists on booleans.
 * Field operators are refused at the top level, operators and plain keys are not mixed, depth and size are bounded.
 */
function filterProblems(filter: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  let nodes = 0;
  const literal = (path: string, value: unknown): void => {
    if (hasOperatorKey(value) || (Array.isArray(value) && value.some(hasOperatorKey))) {
      problems.push({ path, message: 'operators are not allowed inside a value' });
    }
  };
  const condition = (path: string, value: unknown): void => {
    if (!hasOperatorKey(value)) return literal(path, value);
    const ops = value as Record<string, unknown>;
    for (const [op, operand] of Object.entries(ops)) {
      const at = `${path}.${op}`;
      if (!op.startsWith('$'))
        problems.push({ path: at, message: 'operators and field names cannot be mixed in one object' });
      else if (EQUALITIES.has(op)) literal(at, operand);
      else if (COMPARISONS.has(op)) {
        if (typeof operand !== 'number' && typeof operand !== 'string')
          problems.push({ path: at, message: `${op} takes a number or a string` });
      } else if (MEMBERSHIPS.has(op)) {
        if (!Array.isArray(operand) || operand.length > MAX_LIST)
          problems.push({ path: at, message: `${op} takes an array of at most ${MAX_LIST} values` });
        else literal(at, operand);
      } else if (op === '$exists') {
        if (typeof operand !== 'boolean') problems.push({ path: at, message: '$exists takes true or false' });
      } else problems.push({ path: at, message: `unsupported operator ${op}` });
    }
  };
  const walk = (path: string, node: Record<string, unknown>, depth: number): void => {
    if (depth > MAX_FILTER_DEPTH)
      return void problems.push({ path, message: `nested deeper than ${MAX_FILTER_DEPTH} levels` });
    for (const [key, value] of Object.entries(node)) {
      nodes += 1;
      if (nodes > MAX_FILTER_NODES)
        return void problems.push({ path, message: `more than ${MAX_FILTER_NODES} conditions` });
      const at = path ? `${path}.${key}` : key;
      if (LOGICAL.has(key)) {
        if (!Array.isArray(value) || value.length === 0 || !value.every(isPlainObject)) {
          problems.push({ path: at, message: `${key} takes a non-empty array of filters` });
        } else value.forEach((sub, i) => walk(`${at}[${i}]`, sub as Record<string, unknown>, depth + 1));
      } else if (key.startsWith('$')) {
        problems.push({
          path: at,
          message: ALLOWED_OPERATORS.has(key)
            ? `${key} applies to a field: { "field": { "${key}": ... } }`
            : `unsupported operator ${key}`,
        });
      } else if (key.length === 0 || key.length > 200) {
        problems.push({ path: at, message: 'field paths are 1-200 characters' });
      } else condition(at, value);
      if (problems.length >= 10) return;
    }
  };
  walk('', filter, 1);
  return problems;
}

/** 400 invalid_filter unless the filter is an object in the documented filter language. */
export function assertValidFilter(filter: unknown): void {
  if (!isPlainObject(filter)) {
    throw new WebhookException('invalid_filter', 'filter must be a JSON object', [
      { field: 'filter', message: 'must be an object' },
    ]);
  }
  const problems = filterProblems(filter);
  if (problems.length > 0) {
    throw new WebhookException(
      'invalid_filter',
      `filter is not valid: ${problems[0].path}: ${problems[0].message}`,
      problems.map((p) => ({ field: `filter.${p.path}`, message: p.message })),
    );
  }
  try {
    sift(normalize(filter) as Parameters<typeof sift>[0]);
  } catch {
    // The rules above should leave nothing sift refuses; never echo a library's internals to the caller.
    throw new WebhookException('invalid_filter', 'filter is not valid', [
      { field: 'filter', message: 'not a valid filter' },
    ]);
  }
}

export function matchesFilter(filter: Record<string, unknown> | null, payload: unknown): boolean {
  if (!filter) return true;
  return sift(normalize(filter) as Parameters<typeof sift>[0])(payload);
}
