// The field-definition model of the catalogue: an integration's configuration fields, and (next issue) a task's input
// fields. Pure: checks a submitted list of definitions and names every problem with the field it is in.
// safe-regex2 (fastify's, already under the router) judges patterns: star height, the known exponential shape.
import safeRegex from 'safe-regex2';

export const FIELD_TYPES = [
  'text',
  'textarea',
  'number',
  'boolean',
  'select',
  'multiselect',
  'url',
  'json',
  'secret',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldValidation {
  /** number: the smallest and largest value. */
  min?: number;
  max?: number;
  /** text, textarea, url, secret: a regular expression (ECMAScript, unicode mode) the whole value must match. */
  pattern?: string;
  /** text, textarea, url, secret: length bounds; multiselect: how many options may be chosen. */
  min_length?: number;
  max_length?: number;
}

export interface FieldDefinition {
  name: string;
  label: string;
  type: FieldType;
  required: boolean;
  default?: unknown;
  options?: string[];
  description?: string;
  validation?: FieldValidation;
}

/** One problem with a definition or a value: the field it is in, a stable code and a sentence. */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

export const MAX_FIELDS = 200;
export const MAX_OPTIONS = 500;
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const KEYS = new Set(['name', 'label', 'type', 'required', 'default', 'options', 'description', 'validation']);
const VALIDATION_KEYS = new Set(['min', 'max', 'pattern', 'min_length', 'max_length']);
const STRING_TYPES: readonly FieldType[] = ['text', 'textarea', 'url', 'secret'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Checks a submitted list of field definitions. Returns the normalised definitions (required defaults to false) and
 * every problem found, each naming its field (`fields[i]` until the name is known, then the name, then the key).
 */
export function checkFieldDefinitions(input: unknown): { definitions: FieldDefinition[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const definitions: FieldDefinition[] = [];
  if (!Array.isArray(input)) {
    return { definitions, problems: [{ field: 'fields', code: 'not_a_list', message: 'fields must be a list' }] };
  }
  if (input.length > MAX_FIELDS) {
    problems.push({ field: 'fields', code: 'too_many', message: `at most ${MAX_FIELDS} fields` });
    return { definitions, problems };
  }
  const seen = new Set<string>();
  input.forEach((raw, i) => {
    const before = problems.length;
    const def = checkOne(raw, i, problems);
    if (def) {
      const key = def.name.toLowerCase();
      if (seen.has(key)) {
        problems.push({ field: def.name, code: 'duplicate_name', message: `field name ${def.name} is used twice` });
      }
      seen.add(key);
      if (problems.length === before) definitions.push(def);
    }
  });
  return { definitions, problems };
}

function checkOne(raw: unknown, index: number, problems: FieldProblem[]): FieldDefinition | null {
  if (!isObject(raw)) {
    problems.push({ field: `fields[${index}]`, code: 'not_an_object', message: 'a field definition is an object' });
    return null;
  }
  const name = raw.name;
  if (typeof name !== 'string' || !FIELD_NAME.test(name)) {
    problems.push({
      field: `fields[${index}].name`,
      code: 'invalid_name',
      message: 'name: a letter or underscore, then letters, digits or underscores (at most 64)',
    });
    return null;
  }
  const at = (key: string) => `${name}.${key}`;
  const bad = (key: string, code: string, message: string) =>
    problems.push({ field: key ? at(key) : name, code, message: `${name}: ${message}` });
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) bad(key, 'unknown_key', `unknown key ${key}`);
  const type = raw.type;
  if (typeof type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(type)) {
    bad('type', 'invalid_type', `type must be one of ${FIELD_TYPES.join(', ')}`);
    return null;
  }
  const def: FieldDefinition = { name, label: name, type: type as FieldType, required: false };
  if (raw.label !== undefined) {
    if (typeof raw.label !== 'string' || raw.label.trim() === '' || raw.label.length > 200)
      bad('label', 'invalid_label', 'label is 1 to 200 characters');
    else def.label = raw.label;
  }
  if (raw.required !== undefined) {
    if (typeof raw.required !== 'boolean') bad('required', 'invalid_required', 'required is true or false');
    else def.required = raw.required;
  }
  if (raw.description !== undefined) {
    if (typeof raw.description !== 'string' || raw.description.length > 2000)
      bad('description', 'invalid_description', 'description is text of at most 2000 characters');
    else def.description = raw.description;
  }
  const choosing = def.type === 'select' || def.type === 'multiselect';
  if (raw.options !== undefined || choosing) {
    const options = raw.options;
    if (!choosing) bad('options', 'options_not_allowed', `options apply to select and multiselect, not ${def.type}`);
    else if (
      !Array.isArray(options) ||
      options.length === 0 ||
      options.length > MAX_OPTIONS ||
      !options.every((o) => typeof o === 'string' && o !== '' && o.length <= 200)
    )
      bad('options', 'invalid_options', `options: 1 to ${MAX_OPTIONS} non-empty strings (required for ${def.type})`);
    else if (new Set(options).size !== options.length) bad('options', 'duplicate_option', 'options repeat a value');
    else def.options = options as string[];
  }
  if (raw.validation !== undefined) {
    const v = checkValidation(raw.validation, def.type, (key, code, message) =>
      bad(`validation${key ? `.${key}` : ''}`, code, message),
    );
    if (v) def.validation = v;
  }
  if (raw.default !== undefined && raw.default !== null) {
    if (def.type === 'secret') bad('default', 'default_not_allowed', 'a secret field has no default');
    else def.default = raw.default;
  }
  return def;
}

function checkValidation(
  raw: unknown,
  type: FieldType,
  bad: (key: string, code: string, message: string) => void,
): FieldValidation | null {
  if (!isObject(raw)) {
    bad('', 'invalid_validation', 'validation is an object');
    return null;
  }
  const v: FieldValidation = {};
  for (const key of Object.keys(raw)) if (!VALIDATION_KEYS.has(key)) bad(key, 'unknown_key', `unknown key ${key}`);
  for (const key of ['min', 'max'] as const) {
    if (raw[key] === undefined) continue;
    if (type !== 'number') bad(key, 'validation_not_allowed', `${key} applies to number fields`);
    else if (typeof raw[key] !== 'number' || !Number.isFinite(raw[key]))
      bad(key, 'invalid_bound', `${key} is a number`);
    else v[key] = raw[key];
  }
  if (v.min !== undefined && v.max !== undefined && v.min > v.max) bad('min', 'invalid_bound', 'min is above max');
  for (const key of ['min_length', 'max_length'] as const) {
    if (raw[key] === undefined) continue;
    if (!STRING_TYPES.includes(type) && type !== 'multiselect')
      bad(key, 'validation_not_allowed', `${key} applies to text, textarea, url, secret and multiselect fields`);
    else if (!isCount(raw[key]) || raw[key] > 1_000_000) bad(key, 'invalid_bound', `${key} is a whole number ≥ 0`);
    else v[key] = raw[key];
  }
  if (v.min_length !== undefined && v.max_length !== undefined && v.min_length > v.max_length)
    bad('min_length', 'invalid_bound', 'min_length is above max_length');
  if (raw.pattern !== undefined) {
    if (!STRING_TYPES.includes(type)) bad('pattern', 'validation_not_allowed', 'pattern applies to text fields');
    else if (typeof raw.pattern !== 'string' || raw.pattern === '' || raw.pattern.length > 500)
      bad('pattern', 'invalid_pattern', 'pattern is a regular expression of at most 500 characters');
    else {
      let compiled: RegExp | null = null;
      try {
        compiled = new RegExp(raw.pattern, 'u');
      } catch (err) {
        bad('pattern', 'invalid_pattern', `pattern does not compile (${(err as Error).message})`);
      }
      // Values are checked against it in the API process: a pattern that can backtrack exponentially (a quantified
      // group holding a quantifier, like (a+)+) would let one instance's value stall every request.
      if (compiled && !safeRegex(compiled))
        bad(
          'pattern',
          'unsafe_pattern',
          'pattern nests quantifiers (like (a+)+) and could take exponential time; write it without a repeated group ' +
            'that itself repeats',
        );
      else if (compiled) v.pattern = raw.pattern;
    }
  }
  return v;
}
