// The answer of a task definition check: every problem found, each naming the field (a path such as
// `request.headers.X-Foo` or `output_fields[2].path`) with a stable code clients can act on.

export const TASK_DEFINITION_ERROR_CODES = [
  'required',
  'invalid_type',
  'invalid_value',
  'too_long',
  'out_of_range',
  'invalid_tag',
  'duplicate_tag',
  'tag_in_use',
  'input_in_use',
  'invalid_name',
  'duplicate_name',
  'unknown_dependency',
  'duplicate_dependency',
  'task_dependency_cycle',
  'invalid_template',
  'unknown_reference',
  'invalid_json_path',
  'invalid_output_array',
  'invalid_request_path',
  'invalid_header_name',
  'forbidden_header',
  'unknown_key',
  'unknown_input',
  'invalid_selector',
] as const;
export type TaskDefinitionErrorCode = (typeof TASK_DEFINITION_ERROR_CODES)[number];

export interface TaskDefinitionError {
  field: string;
  code: TaskDefinitionErrorCode;
  message: string;
}

export interface TaskVerification {
  valid: boolean;
  errors: TaskDefinitionError[];
}

/** Collects errors in the order checks find them. */
export class TaskDefinitionErrors {
  readonly list: TaskDefinitionError[] = [];

  add(field: string, code: TaskDefinitionErrorCode, message: string): void {
    this.list.push({ field, code, message });
  }

  addAll(errors: readonly TaskDefinitionError[]): void {
    this.list.push(...errors);
  }

  result(): TaskVerification {
    return { valid: this.list.length === 0, errors: this.list };
  }
}

/** `base.key`, or `base` alone at the top. */
export function fieldPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short JSON description of a value's type for messages: string, number, array, object, null, ... */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
