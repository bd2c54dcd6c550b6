// Field definitions as JSON Schema (draft 2020-12) and values checked against them with Ajv: what instances (and
// task inputs) are validated by, and what the seed's input-schema endpoints answer.
import { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { FieldDefinition, FieldProblem, checkFieldDefinitions } from './field-definitions';

export type JsonSchema = Record<string, unknown>;

/** One property's schema. */
export function fieldSchema(def: FieldDefinition): JsonSchema {
  const s: JsonSchema = { title: def.label };
  if (def.description) s.description = def.description;
  const v = def.validation ?? {};
  switch (def.type) {
    case 'text':
    case 'textarea':
    case 'secret':
    case 'url':
      s.type = 'string';
      if (def.type === 'url') s.format = 'uri';
      if (def.type === 'secret') s.writeOnly = true;
      if (v.min_length !== undefined) s.minLength = v.min_length;
      if (v.max_length !== undefined) s.maxLength = v.max_length;
      if (v.pattern !== undefined) s.pattern = v.pattern;
      break;
    case 'number':
      s.type = 'number';
      if (v.min !== undefined) s.minimum = v.min;
      if (v.max !== undefined) s.maximum = v.max;
      break;
    case 'boolean':
      s.type = 'boolean';
      break;
    case 'select':
      s.type = 'string';
      s.enum = def.options ?? [];
      break;
    case 'multiselect':
      s.type = 'array';
      s.items = { type: 'string', enum: def.options ?? [] };
      s.uniqueItems = true;
      if (v.min_length !== undefined) s.minItems = v.min_length;
      if (v.max_length !== undefined) s.maxItems = v.max_length;
      break;
    case 'json':
      break; // any JSON value
  }
  if (def.default !== undefined) s.default = def.default;
  return s;
}

/** The definitions as one object schema: a property per field, the required ones listed, no other keys. */
export function toJsonSchema(definitions: readonly FieldDefinition[]): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: Object.fromEntries(definitions.map((d) => [d.name, fieldSchema(d)])),
    required: definitions.filter((d) => d.required).map((d) => d.name),
    additionalProperties: false,
  };
}

const ajv = new Ajv2020({ allErrors: true, strict: true, unicodeRegExp: true, validateFormats: true });
addFormats(ajv, ['uri']);
// Compiled validators by schema text: the same definitions are checked again and again (every instance save).
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 500;

function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, fn);
  }
  return fn;
}

/** Whether the definitions compile into a schema Ajv accepts; the message says why not. */
export function compileProblem(definitions: readonly FieldDefinition[]): string | null {
  try {
    validatorFor(toJsonSchema(definitions));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const CODES: Record<string, string> = {
  required: 'required',
  type: 'invalid_type',
  enum: 'not_an_option',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
  pattern: 'pattern_mismatch',
  minLength: 'invalid_length',
  maxLength: 'invalid_length',
  minItems: 'invalid_length',
  maxItems: 'invalid_length',
  uniqueItems: 'duplicate_option',
  format: 'invalid_format',
  additionalProperties: 'unknown_field',
};

function problemOf(e: ErrorObject): FieldProblem {
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  const top = e.instancePath.split('/')[1] ?? '';
  const field =
    params.missingProperty ?? params.additionalProperty ?? (top.replace(/~1/g, '/').replace(/~0/g, '~') || 'values');
  const code = CODES[e.keyword] ?? 'invalid_value';
  const message =
    e.keyword === 'additionalProperties' ? `${field}: no such field` : `${field}: ${e.message ?? 'invalid value'}`;
  return { field, code, message };
}

/** Checks values against the definitions: required fields, types, options, bounds and patterns. Empty: valid. */
export function validateValues(definitions: readonly FieldDefinition[], values: unknown): FieldProblem[] {
  if (typeof values !== 'object' || values === null || Array.isArray(values))
    return [{ field: 'values', code: 'invalid_type', message: 'values must be an object' }];
  const validate = validatorFor(toJsonSchema(definitions));
  if (validate(values)) return [];
  const seen = new Set<string>();
  return (validate.errors ?? []).map(problemOf).filter((p) => {
    const key = `${p.field}:${p.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * checkFieldDefinitions, then what needs the schema: each default must be a valid value of its field, and the whole
 * must compile. The one check a service runs before saving definitions.
 */
export function checkFields(input: unknown): { definitions: FieldDefinition[]; problems: FieldProblem[] } {
  const checked = checkFieldDefinitions(input);
  if (checked.problems.length > 0) return checked;
  const problems: FieldProblem[] = [];
  for (const def of checked.definitions) {
    if (def.default === undefined) continue;
    for (const p of validateValues([{ ...def, required: false }], { [def.name]: def.default }))
      problems.push({ field: `${def.name}.default`, code: 'invalid_default', message: `default: ${p.message}` });
  }
  const compileError = problems.length === 0 ? compileProblem(checked.definitions) : null;
  if (compileError) problems.push({ field: 'fields', code: 'invalid_schema', message: compileError });
  return { definitions: checked.definitions, problems };
}
