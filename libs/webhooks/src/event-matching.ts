// Which subscriptions an event reaches: event-type patterns (exact, `order.*`, `*`) and a MongoDB-style payload filter.
import sift from 'sift';
import { WebhookException } from './webhook.exception';

const EVENT_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const EVENT_PATTERN = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;
const ALLOWED_OPERATORS = new Set(['$eq', '$neq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$and', '$or']);

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

function unknownOperators(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => unknownOperators(v, found));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('$') && !ALLOWED_OPERATORS.has(k)) found.push(k);
      unknownOperators(v, found);
    }
  }
  return found;
}

/** 400 invalid_filter unless the filter is an object using only the supported operators. */
export function assertValidFilter(filter: unknown): void {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new WebhookException('invalid_filter', 'filter must be a JSON object', [{ field: 'filter', message: 'must be an object' }]);
  }
  const unknown = unknownOperators(filter);
  if (unknown.length > 0) {
    throw new WebhookException('invalid_filter', `Unsupported filter operator: ${unknown.join(', ')}`, [
      { field: 'filter', message: `supported: ${[...ALLOWED_OPERATORS].filter((o) => o !== '$ne').join(' ')}` },
    ]);
  }
  try {
    sift(normalize(filter) as Parameters<typeof sift>[0]);
  } catch (err) {
    throw new WebhookException('invalid_filter', `filter is not valid: ${(err as Error).message}`, [{ field: 'filter', message: (err as Error).message }]);
  }
}

export function matchesFilter(filter: Record<string, unknown> | null, payload: unknown): boolean {
  if (!filter) return true;
  return sift(normalize(filter) as Parameters<typeof sift>[0])(payload);
}
