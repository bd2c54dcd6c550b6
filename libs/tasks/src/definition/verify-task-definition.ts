// verifyTaskDefinition(): the checks behind `POST /apps/v1/task/verify-generic` and task saving, as one pure
// function. It reports every problem it finds (not just the first), each with the field and a stable code. Input
// fields' own definitions are the integrations' field model's to check; here only their names matter.
import {
  caseIngestionDependentTasks,
  caseIngestionTaskTags,
  checkCaseIngestionTasks,
} from './case-ingestion-references';
import { describeCycle, findDependencyCycle } from './dependency-cycle';
import { jsonPathMatchesMany, jsonPathProblem } from './output-paths';
import { checkRequest } from './request-checks';
import { BACKOFF_KINDS, OUTPUT_FIELD_TYPES, TASK_LIMITS, TASK_STATUSES } from './task-definition';
import type { TaskDependencies } from './dependency-cycle';
import { TaskDefinitionErrors, TaskVerification, fieldPath, isPlainObject, typeName } from './verification';

export interface TaskVerificationContext {
  /** Names of the task's input fields as the field model accepted them; by default the names in input_fields. */
  inputFieldNames?: ReadonlySet<string>;
  /** Names of the integration's fields (what `{{instance.x}}` may read). */
  instanceFieldNames: ReadonlySet<string>;
  /** Credential names an instance can hold (username, password, token, api_key, client_id, client_secret). */
  credentialNames: ReadonlySet<string>;
  /** The integration's other saved, non-deleted tasks (the saved version of this one too, when updating). */
  existingTasks: readonly TaskDependencies[];
  /** The tag of the task being updated (its saved version is replaced by this definition); absent when creating. */
  currentTag?: string;
}

/** Lowercase identifier: a letter, then letters, digits and _. */
export const TASK_TAG_PATTERN = /^[a-z][a-z0-9_]*$/;
/** Output field names: identifiers, so later steps can read them as `output.<name>`. */
export const OUTPUT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a task definition sent by a client (any JSON); `valid` is true when `errors` is empty. */
export function verifyTaskDefinition(def: unknown, context: TaskVerificationContext): TaskVerification {
  const errors = new TaskDefinitionErrors();
  if (!isPlainObject(def)) {
    errors.add('', 'invalid_type', `a task definition is an object, not ${typeName(def)}`);
    return errors.result();
  }
  checkText(def.name, 'name', TASK_LIMITS.nameLength, true, errors);
  checkText(def.description, 'description', TASK_LIMITS.descriptionLength, false, errors);
  const tag = checkTag(def.task_tag, context, errors);
  const inputNames = checkInputFields(def.input_fields, errors);
  checkOutputFields(def.output_fields, errors);
  checkInputsInUse(context.inputFieldNames ?? inputNames, context, errors);
  checkDependencies(def.depends_on, tag, context, errors);
  checkRequest(
    def.request,
    {
      input: context.inputFieldNames ?? inputNames,
      instance: context.instanceFieldNames,
      credentials: context.credentialNames,
      deps: dependencyTags(def.depends_on),
    },
    errors,
  );
  checkInteger(def.execution_order, 'execution_order', 0, TASK_LIMITS.executionOrder, errors);
  checkErrorHandling(def.error_handling, errors);
  checkCaseIngestion(def.ingest_cases, def.case_ingestion_config, tag, context, errors);
  checkEnum(def.status, 'status', TASK_STATUSES, errors);
  return errors.result();
}

function checkText(value: unknown, field: string, max: number, required: boolean, errors: TaskDefinitionErrors): void {
  if (value === undefined || value === null || (required && typeof value === 'string' && value.trim() === '')) {
    if (required) errors.add(field, 'required', `${field} is required`);
  } else if (typeof value !== 'string') {
    errors.add(field, 'invalid_type', `${field} must be a string, not ${typeName(value)}`);
  } else if (value.length > max) {
    errors.add(field, 'too_long', `${field} is longer than ${max} characters`);
  }
}

/** The tag when it is a usable one (for the dependency checks), else undefined. */
function checkTag(value: unknown, context: TaskVerificationContext, errors: TaskDefinitionErrors): string | undefined {
  if (value === undefined || value === null || value === '') {
    errors.add('task_tag', 'required', 'task_tag is required');
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.add('task_tag', 'invalid_type', `task_tag must be a string, not ${typeName(value)}`);
    return undefined;
  }
  if (value.length > TASK_LIMITS.tagLength || !TASK_TAG_PATTERN.test(value)) {
    errors.add(
      'task_tag',
      'invalid_tag',
      `task_tag "${value}" must be a lowercase identifier: a letter, then letters, digits or _ (at most ${TASK_LIMITS.tagLength})`,
    );
    return undefined;
  }
  if (value !== context.currentTag && context.existingTasks.some((t) => t.task_tag === value)) {
    errors.add('task_tag', 'duplicate_tag', `the integration already has a task tagged "${value}"`);
  }
  if (context.currentTag !== undefined && value !== context.currentTag) {
    const current = context.currentTag;
    const dependents = context.existingTasks.filter(
      (t) =>
        t.task_tag !== current &&
        (t.depends_on.includes(current) || caseIngestionTaskTags(t.case_ingestion_config).includes(current)),
    );
    if (dependents.length > 0) {
      errors.add(
        'task_tag',
        'tag_in_use',
        `task_tag cannot change from "${context.currentTag}": ${dependents.map((t) => t.task_tag).join(', ')} depend on it`,
      );
    }
  }
  return value;
}

/**
 * Updating a task: an input field another task's case ingestion fills for it (`dependent_tasks[].input` names it)
 * must stay, or that ingestion's calls would lose the value (the poller reads the saved names, checked at its save).
 */
function checkInputsInUse(
  names: ReadonlySet<string>,
  context: TaskVerificationContext,
  errors: TaskDefinitionErrors,
): void {
  const current = context.currentTag;
  if (current === undefined) return;
  for (const t of context.existingTasks) {
    if (t.task_tag === current) continue;
    for (const entry of caseIngestionDependentTasks(t.case_ingestion_config)) {
      if (entry.task_tag !== current) continue;
      for (const name of Object.keys(entry.input).filter((n) => !names.has(n)))
        errors.add(
          'input_fields',
          'input_in_use',
          `input field "${name}" cannot be removed: task ${t.task_tag} fills it in its case_ingestion_config.dependent_tasks`,
        );
    }
  }
}

/** The names of the input fields (shape only: the field model checks the definitions themselves). */
function checkInputFields(value: unknown, errors: TaskDefinitionErrors): Set<string> {
  const names = new Set<string>();
  if (value === undefined || value === null) return names;
  if (!Array.isArray(value)) {
    errors.add('input_fields', 'invalid_type', `input_fields must be an array, not ${typeName(value)}`);
    return names;
  }
  value.forEach((item, i) => {
    const field = fieldPath('input_fields', i);
    if (!isPlainObject(item)) {
      errors.add(field, 'invalid_type', `${field} must be a field definition object, not ${typeName(item)}`);
    } else if (typeof item.name !== 'string' || item.name === '') {
      errors.add(`${field}.name`, item.name === undefined ? 'required' : 'invalid_type', `${field}.name is required`);
    } else {
      names.add(item.name);
    }
  });
  return names;
}

function checkOutputFields(value: unknown, errors: TaskDefinitionErrors): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    errors.add('output_fields', 'invalid_type', `output_fields must be an array, not ${typeName(value)}`);
    return;
  }
  if (value.length > TASK_LIMITS.outputFields) {
    errors.add('output_fields', 'out_of_range', `output_fields has more than ${TASK_LIMITS.outputFields} entries`);
  }
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const at = fieldPath('output_fields', i);
    if (!isPlainObject(item)) {
      errors.add(at, 'invalid_type', `${at} must be an object { name, path, type, is_array }, not ${typeName(item)}`);
      return;
    }
    const { name, path, type, is_array: isArray } = item;
    if (checkPresentString(name, `${at}.name`, errors)) {
      if (name.length > TASK_LIMITS.tagLength || !OUTPUT_NAME_PATTERN.test(name)) {
        errors.add(`${at}.name`, 'invalid_name', `${at}.name "${name}" must be an identifier: letters, digits and _`);
      } else if (seen.has(name)) {
        errors.add(`${at}.name`, 'duplicate_name', `output field "${name}" is defined twice`);
      }
      seen.add(name);
    }
    const pathOk = checkPresentString(path, `${at}.path`, errors);
    if (pathOk) {
      const problem =
        path.length > TASK_LIMITS.jsonPathLength
          ? `is longer than ${TASK_LIMITS.jsonPathLength} characters`
          : jsonPathProblem(path);
      if (problem) errors.add(`${at}.path`, 'invalid_json_path', `${at}.path "${path}" ${problem}`);
    }
    const typeOk = checkEnum(type, `${at}.type`, OUTPUT_FIELD_TYPES, errors, true);
    if (isArray !== undefined && typeof isArray !== 'boolean') {
      errors.add(`${at}.is_array`, 'invalid_type', `${at}.is_array must be a boolean, not ${typeName(isArray)}`);
    }
    // is_array declares a list of values. A path that can match several values (wildcard, .., slice, union,
    // filter) gives one; so does a single-match path to a value of type array. A path of plain names and indexes
    // to a string, number, boolean or object gives exactly one value, never a list: refused.
    if (isArray === true && pathOk && typeOk && type !== 'array' && type !== 'any' && !jsonPathMatchesMany(path)) {
      errors.add(
        `${at}.is_array`,
        'invalid_output_array',
        `${at}: is_array needs a path that can match several values (*, .., [a:b], [a,b], [?()]) or type array`,
      );
    }
  });
}

function checkDependencies(
  value: unknown,
  tag: string | undefined,
  context: TaskVerificationContext,
  errors: TaskDefinitionErrors,
): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    errors.add('depends_on', 'invalid_type', `depends_on must be an array of task tags, not ${typeName(value)}`);
    return;
  }
  if (value.length > TASK_LIMITS.dependencies) {
    errors.add('depends_on', 'out_of_range', `depends_on has more than ${TASK_LIMITS.dependencies} entries`);
  }
  const others = context.existingTasks.filter((t) => t.task_tag !== context.currentTag && t.task_tag !== tag);
  const known = new Set(others.map((t) => t.task_tag));
  const deps: string[] = [];
  value.forEach((dep, i) => {
    const at = fieldPath('depends_on', i);
    if (typeof dep !== 'string') {
      errors.add(at, 'invalid_type', `${at} must be a task tag, not ${typeName(dep)}`);
    } else if (deps.includes(dep)) {
      errors.add(at, 'duplicate_dependency', `depends_on names "${dep}" twice`);
    } else if (!known.has(dep) && dep !== tag) {
      errors.add(at, 'unknown_dependency', `the integration has no task tagged "${dep}"`);
    } else {
      deps.push(dep);
    }
  });
  if (tag === undefined) return;
  const cycle = findDependencyCycle([...others, { task_tag: tag, depends_on: deps }], tag);
  if (cycle) {
    errors.add('depends_on', 'task_dependency_cycle', `dependencies form a cycle: ${describeCycle(cycle)}`);
  }
}

/** The tags depends_on names (checked above): `{{deps.<tag>.x}}` may read these. */
function dependencyTags(value: unknown): Set<string> {
  return new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
}

function checkErrorHandling(value: unknown, errors: TaskDefinitionErrors): void {
  if (value === undefined || value === null) return;
  if (!isPlainObject(value)) {
    errors.add('error_handling', 'invalid_type', `error_handling must be an object, not ${typeName(value)}`);
    return;
  }
  checkInteger(value.retries, 'error_handling.retries', 0, TASK_LIMITS.retries, errors);
  checkEnum(value.backoff, 'error_handling.backoff', BACKOFF_KINDS, errors);
  checkInteger(value.backoff_ms, 'error_handling.backoff_ms', 0, TASK_LIMITS.backoffMs, errors);
  checkInteger(
    value.timeout_ms,
    'error_handling.timeout_ms',
    TASK_LIMITS.timeoutMsMin,
    TASK_LIMITS.timeoutMsMax,
    errors,
  );
}

function checkCaseIngestion(
  ingest: unknown,
  config: unknown,
  tag: string | undefined,
  context: TaskVerificationContext,
  errors: TaskDefinitionErrors,
): void {
  if (ingest !== undefined && ingest !== null && typeof ingest !== 'boolean') {
    errors.add('ingest_cases', 'invalid_type', `ingest_cases must be a boolean, not ${typeName(ingest)}`);
  }
  if (config !== undefined && config !== null && !isPlainObject(config)) {
    errors.add(
      'case_ingestion_config',
      'invalid_type',
      `case_ingestion_config must be an object, not ${typeName(config)}`,
    );
  } else if (ingest === true && (config === undefined || config === null)) {
    errors.add('case_ingestion_config', 'required', 'case_ingestion_config is required when ingest_cases is true');
  }
  if (isPlainObject(config)) {
    const known = new Map(
      context.existingTasks
        .filter((t) => t.task_tag !== context.currentTag)
        .map((t) => [t.task_tag, t.input_names && new Set(t.input_names)] as const),
    );
    checkCaseIngestionTasks(config, tag, known, errors);
  }
}

function checkInteger(value: unknown, field: string, min: number, max: number, errors: TaskDefinitionErrors): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    errors.add(field, 'invalid_type', `${field} must be an integer, not ${typeName(value)}`);
  } else if (value < min || value > max) {
    errors.add(field, 'out_of_range', `${field} must be between ${min} and ${max}`);
  }
}

/** Adds required / invalid_type; true when the value is a non-empty string. */
function checkPresentString(value: unknown, field: string, errors: TaskDefinitionErrors): value is string {
  if (value === undefined || value === null || value === '') {
    errors.add(field, 'required', `${field} is required`);
    return false;
  }
  if (typeof value !== 'string') {
    errors.add(field, 'invalid_type', `${field} must be a string, not ${typeName(value)}`);
    return false;
  }
  return true;
}

/** Adds required (when required) / invalid_type / invalid_value; true when the value is one of `allowed`. */
function checkEnum(
  value: unknown,
  field: string,
  allowed: readonly string[],
  errors: TaskDefinitionErrors,
  required = false,
): boolean {
  if (value === undefined || value === null) {
    if (required) errors.add(field, 'required', `${field} is required: one of ${allowed.join(', ')}`);
    return false;
  }
  if (typeof value !== 'string') {
    errors.add(field, 'invalid_type', `${field} must be a string, not ${typeName(value)}`);
    return false;
  }
  if (!allowed.includes(value)) {
    errors.add(field, 'invalid_value', `${field} must be one of ${allowed.join(', ')}`);
    return false;
  }
  return true;
}
