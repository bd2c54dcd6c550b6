// A task's outputs, picked out of its JSON response by each output field's JSONPath and checked against the field's
// type. Nothing is coerced: a "42" where a number is declared is a problem reported, not a 42. A path that matches
// nothing gives null (or [] for is_array); a JSON null matches any type.
import { findInputProblem } from '@conduit/platform';
import { jsonPathMatches, jsonPathMatchesMany } from '../definition';
import type { OutputFieldType, TaskOutputField } from '../definition';

export interface OutputProblem {
  field: string;
  message: string;
}

export interface ExtractedOutputs {
  outputs: Record<string, unknown>;
  /**
   * The records the response carried: the length of the longest array output (is_array, or type array). Not a sum:
   * two outputs over the same items (ids and names) are one set of records.
   */
  records_processed: number;
  problems: OutputProblem[];
}

export function extractOutputs(fields: readonly TaskOutputField[], body: unknown): ExtractedOutputs {
  const outputs: Record<string, unknown> = {};
  const problems: OutputProblem[] = [];
  let records = 0;
  for (const field of fields) {
    const problem = (message: string) => problems.push({ field: field.name, message: `${field.name}: ${message}` });
    let matches: unknown[];
    try {
      matches = jsonPathMatches(field.path, body);
    } catch (err) {
      problem(`path ${field.path} could not run: ${(err as Error).message}`);
      continue;
    }
    const value = pick(field, matches);
    const mismatch = typeProblem(field, value);
    if (mismatch) {
      problem(mismatch);
      continue;
    }
    const unstorable = findInputProblem(value);
    if (unstorable) {
      problem(`the value cannot be stored (${unstorable.kind.replaceAll('_', ' ')})`);
      continue;
    }
    outputs[field.name] = value;
    if (Array.isArray(value) && (field.is_array || field.type === 'array')) records = Math.max(records, value.length);
  }
  return { outputs, records_processed: records, problems };
}

/**
 * is_array with a path that can match several values: every match. is_array with a single-match path (type array or
 * any, as the definition checks require): the array it matches. Otherwise the first match.
 */
function pick(field: TaskOutputField, matches: unknown[]): unknown {
  if (!field.is_array) return matches.length > 0 ? matches[0] : null;
  if (jsonPathMatchesMany(field.path)) return matches;
  return matches.length > 0 ? matches[0] : [];
}

function typeProblem(field: TaskOutputField, value: unknown): string | null {
  if (!field.is_array) return value === null || hasType(value, field.type) ? null : mismatch(field.type, value);
  if (!Array.isArray(value)) return `expected a list, got ${typeName(value)}`;
  if (!jsonPathMatchesMany(field.path)) return null;
  const at = value.findIndex((v) => v !== null && !hasType(v, field.type));
  return at < 0 ? null : `match ${at}: ${mismatch(field.type, value[at])}`;
}

function hasType(value: unknown, type: OutputFieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'any':
      return true;
  }
}

function mismatch(type: OutputFieldType, value: unknown): string {
  // The type, not the value: the response may hold anything.
  return `expected ${type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`}, got ${typeName(value)}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
