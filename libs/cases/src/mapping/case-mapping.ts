// The mapping of a tool's items to case events, shared by polling (an instance's ingestion settings) and push (an
// inbound source's case_mapping): which field is the external id, title, severity, ..., a filter, and the case rules
// (correlation window, automatic cases, escalation). Checked as a whole when saved (checkCaseMapping), compiled once
// per batch (compileCaseMapping) and applied item by item (mapItem), all pure.
import { jsonPathMatches, jsonPathProblem } from '@conduit/tasks';
import {
  compileExpression,
  evaluateExpression,
  toCel,
  withinEvaluationBudget,
  type CompiledExpression,
} from '@conduit/chains/templates';
import { SEVERITIES, type Severity } from '../entities/case.entity';

export interface CaseMappingFields {
  /** Required: what makes an item unique within its source (an instance or an inbound source). */
  external_id: string;
  title?: string;
  severity?: string;
  status?: string;
  /** An ISO 8601 time or epoch milliseconds/seconds; the ingestion time when absent or unreadable. */
  occurred_at?: string;
  /** Events with the same key join one open case; the external id when absent (one case per item). */
  case_key?: string;
}

export interface EscalationRule {
  name: string;
  /** CEL over `case` (its fields after the event was added) and `event` (the newest event, with `raw`). */
  when: string;
  severity: Severity;
}

/**
 * The same shape for polling (instance ingestion) and push (an inbound source's case_mapping).
 *
 * field_mapping values are a JSONPath starting with '$' (jsonpath-plus, safe eval, first match) or else a CEL
 * expression over `item` (the chains' expression language, @conduit/chains/templates).
 */
export interface CaseMapping {
  field_mapping: CaseMappingFields;
  /** CEL over `item`; false (or anything not true) drops the item, counted as filtered. */
  filter?: string | null;
  /** Tool values (compared as lowercase text) to ours; without an entry, a value that is one of ours is kept. */
  severity_map?: Record<string, Severity>;
  /** Events sharing case_key within this many seconds of the case's last event join that open case. */
  correlation_window_seconds?: number | null;
  /** Default true; false: events are stored without a case (case_id null). */
  auto_create_cases?: boolean;
  escalation_rules?: EscalationRule[];
  /** Push only: a JSONPath to the items' array in the request body (see docs/cases.md); ignored by polling. */
  items_path?: string | null;
}

export interface MappingProblem {
  field: string;
  code: string;
  message: string;
}

export const MAPPING_FIELDS = ['external_id', 'title', 'severity', 'status', 'occurred_at', 'case_key'] as const;
const MAPPING_KEYS = [
  'field_mapping',
  'filter',
  'severity_map',
  'correlation_window_seconds',
  'auto_create_cases',
  'escalation_rules',
  'items_path',
];
const MAX_RULES = 20;
const MAX_WINDOW_SECONDS = 90 * 86400;
const MAX_EXPRESSION = 2000;
/**
 * How long one expression may evaluate over one item (macros over a large pushed list, a backtracking regex): past it
 * the item counts as invalid (or the rule as not holding) instead of blocking the worker. Expressions whose cost is
 * bounded by their inputs skip the watchdog.
 */
export const ITEM_EVALUATION_BUDGET_MS = 50;

// JSONPaths are tasks' output paths: one checker (brackets, quotes, filters, jsonpath-plus's own `#N` syntax) and
// one runner (safe eval, a primitive root kept as `$`, caches bounded).
export { jsonPathMatches, jsonPathProblem };

/** Save-time validation: the mapping, or null and every problem (field paths like field_mapping.title). */
export function checkCaseMapping(value: unknown): { mapping: CaseMapping | null; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const bad = (field: string, code: string, message: string) => {
    problems.push({ field, code, message });
  };
  if (!isObject(value)) {
    bad('case_mapping', 'invalid_type', 'must be an object');
    return { mapping: null, problems };
  }
  for (const key of Object.keys(value))
    if (!MAPPING_KEYS.includes(key)) bad(key, 'unknown_key', 'is not a mapping key');
  const fields = value.field_mapping;
  if (!isObject(fields)) bad('field_mapping', 'required', 'must be an object with at least external_id');
  else {
    for (const key of Object.keys(fields))
      if (!(MAPPING_FIELDS as readonly string[]).includes(key))
        bad(`field_mapping.${key}`, 'unknown_key', `must be one of ${MAPPING_FIELDS.join(', ')}`);
    if (fields.external_id === undefined) bad('field_mapping.external_id', 'required', 'is required');
    for (const key of MAPPING_FIELDS) {
      const source = fields[key];
      if (source === undefined) continue;
      const problem = typeof source === 'string' ? selectorProblem(source) : 'must be a JSONPath or a CEL expression';
      if (problem) bad(`field_mapping.${key}`, 'invalid_selector', problem);
    }
  }
  if (value.filter !== undefined && value.filter !== null) {
    const problem = typeof value.filter === 'string' ? celProblem(value.filter) : 'must be a CEL expression';
    if (problem) bad('filter', 'invalid_expression', problem);
  }
  if (value.severity_map !== undefined) {
    if (!isObject(value.severity_map)) bad('severity_map', 'invalid_type', 'must be an object');
    else
      for (const [k, v] of Object.entries(value.severity_map))
        if (!isSeverity(v)) bad(`severity_map.${k}`, 'invalid_severity', `must be one of ${SEVERITIES.join(', ')}`);
  }
  const window = value.correlation_window_seconds;
  if (window !== undefined && window !== null) {
    if (typeof window !== 'number' || !Number.isInteger(window) || window < 1)
      bad('correlation_window_seconds', 'invalid_number', 'must be a whole number of seconds, at least 1');
    else if (window > MAX_WINDOW_SECONDS)
      bad('correlation_window_seconds', 'invalid_number', `must not exceed ${MAX_WINDOW_SECONDS}`);
  }
  if (value.auto_create_cases !== undefined && typeof value.auto_create_cases !== 'boolean')
    bad('auto_create_cases', 'invalid_type', 'must be a boolean');
  if (value.items_path !== undefined && value.items_path !== null) {
    const problem = typeof value.items_path === 'string' ? jsonPathProblem(value.items_path) : 'must be a JSONPath';
    if (problem) bad('items_path', 'invalid_selector', problem);
  }
  const rules = value.escalation_rules;
  if (rules !== undefined) {
    if (!Array.isArray(rules)) bad('escalation_rules', 'invalid_type', 'must be an array');
    else if (rules.length > MAX_RULES) bad('escalation_rules', 'too_many', `at most ${MAX_RULES} rules`);
    else rules.forEach((rule: unknown, i) => checkRule(rule, `escalation_rules[${i}]`, bad));
  }
  if (problems.length > 0) return { mapping: null, problems };
  return { mapping: value as unknown as CaseMapping, problems };
}

function checkRule(rule: unknown, at: string, bad: (field: string, code: string, message: string) => void): void {
  if (!isObject(rule)) return bad(at, 'invalid_type', 'must be an object with name, when and severity');
  if (typeof rule.name !== 'string' || !rule.name.trim() || rule.name.length > 200)
    bad(`${at}.name`, 'required', 'must be a name of 1 to 200 characters');
  const when = typeof rule.when === 'string' ? celProblem(rule.when) : 'must be a CEL expression';
  if (when) bad(`${at}.when`, 'invalid_expression', when);
  if (!isSeverity(rule.severity)) bad(`${at}.severity`, 'invalid_severity', `must be one of ${SEVERITIES.join(', ')}`);
  for (const key of Object.keys(rule))
    if (!['name', 'when', 'severity'].includes(key)) bad(`${at}.${key}`, 'unknown_key', 'is not a rule key');
}

/** What an item maps to (before it is stored). */
export interface MappedItem {
  external_id: string;
  title: string | null;
  severity: Severity | null;
  status: string | null;
  occurred_at: Date | null;
  case_key: string | null;
  raw: unknown;
}

type Selector = (item: unknown) => unknown;
type MappedField = (typeof MAPPING_FIELDS)[number];

export interface CompiledCaseMapping {
  mapping: CaseMapping;
  fields: Partial<Record<MappedField, Selector>>;
  filter: CompiledExpression | null;
  rules: { rule: EscalationRule; when: CompiledExpression }[];
}

/** Compiles every selector and expression once (expressions are cached by source across batches too). */
export function compileCaseMapping(mapping: CaseMapping): CompiledCaseMapping {
  const fields: CompiledCaseMapping['fields'] = {};
  for (const key of MAPPING_FIELDS) {
    const source = mapping.field_mapping[key];
    if (source !== undefined) fields[key] = compileSelector(source);
  }
  return {
    mapping,
    fields,
    filter: mapping.filter ? compileExpression(mapping.filter) : null,
    rules: (mapping.escalation_rules ?? []).map((rule) => ({ rule, when: compileExpression(rule.when) })),
  };
}

export type MapOutcome = { kind: 'mapped'; item: MappedItem } | { kind: 'filtered' } | { kind: 'invalid' };

/** One item: filtered out, invalid (no usable external id, or a selector that fails), or mapped. */
export function mapItem(compiled: CompiledCaseMapping, raw: unknown): MapOutcome {
  try {
    if (compiled.filter && evaluate(compiled.filter, { item: toCel(raw) }) !== true) return { kind: 'filtered' };
    const read = (key: MappedField) => compiled.fields[key]?.(raw);
    const externalId = text(read('external_id'));
    if (!externalId) return { kind: 'invalid' };
    return {
      kind: 'mapped',
      item: {
        external_id: externalId.slice(0, 500),
        title: text(read('title'))?.slice(0, 1000) ?? null,
        severity: severityOf(read('severity'), compiled.mapping.severity_map),
        status: text(read('status'))?.slice(0, 100) ?? null,
        occurred_at: timeOf(read('occurred_at')),
        case_key: text(read('case_key'))?.slice(0, 500) ?? null,
        raw,
      },
    };
  } catch {
    return { kind: 'invalid' };
  }
}

/** Whether a rule holds: only a CEL true; an evaluation error counts as not holding. */
export function ruleHolds(when: CompiledExpression, context: { case: unknown; event: unknown }): boolean {
  try {
    return evaluate(when, { case: toCel(context.case), event: toCel(context.event) }) === true;
  } catch {
    return false;
  }
}

export function severityOf(value: unknown, map: Record<string, Severity> | undefined): Severity | null {
  const key = text(value)?.toLowerCase();
  if (key === undefined) return null;
  if (map) {
    const hit = Object.entries(map).find(([k]) => k.toLowerCase() === key);
    if (hit) return hit[1];
  }
  return isSeverity(key) ? key : null;
}

function compileSelector(source: string): Selector {
  const trimmed = source.trim();
  if (trimmed.startsWith('$')) return (item) => jsonPathMatches(trimmed, item)[0];
  const expression = compileExpression(trimmed);
  return (item) => evaluate(expression, { item: toCel(item) });
}

function evaluate(expression: CompiledExpression, context: Record<string, unknown>): unknown {
  if (expression.cheap) return evaluateExpression(expression, context);
  return withinEvaluationBudget(() => evaluateExpression(expression, context), ITEM_EVALUATION_BUDGET_MS);
}

function selectorProblem(source: string): string | null {
  if (!source.trim()) return 'must not be empty';
  return source.trim().startsWith('$') ? jsonPathProblem(source.trim()) : celProblem(source);
}

function celProblem(source: string): string | null {
  if (!source.trim()) return 'must not be empty';
  if (source.length > MAX_EXPRESSION) return `at most ${MAX_EXPRESSION} characters`;
  try {
    const compiled = compileExpression(source);
    const unknown = [...compiled.references.roots].filter((r) => !['item', 'case', 'event'].includes(r));
    if (unknown.length > 0) return `unknown variable ${unknown[0]} (use item; case and event in escalation rules)`;
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

function timeOf(value: unknown): Date | null {
  if (typeof value === 'number') {
    // Below 1e11 the number is read as epoch seconds, else milliseconds.
    const d = new Date(value < 1e11 ? value * 1000 : value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  if (typeof value === 'string' && value.trim()) {
    const d = /^\d+$/.test(value.trim()) ? timeOf(Number(value.trim())) : new Date(value);
    return d && !Number.isNaN(d.getTime()) ? d : null;
  }
  return null;
}

function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
