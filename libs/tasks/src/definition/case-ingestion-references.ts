// The tasks an ingestion task's `case_ingestion_config.dependent_tasks` names (seed 002's CASE_INGESTION: the tasks
// run for each ingested item, e.g. to fetch an alert's details). They are tasks of the same integration, named by
// tag as a string or as `{ "task_tag", "input", "on_error" }`; deleting or renaming one of them would break the
// ingestion, so they count as its dependents. The poller (libs/cases, ingestion-enrichment.ts) runs them for every
// new item with the inputs the selectors read from it; the checks here are the save-time half of that contract.
import { compileExpression } from '@conduit/chains/templates';
import { jsonPathProblem } from './output-paths';
import { TaskDefinitionErrors, fieldPath, isPlainObject, typeName } from './verification';

const FIELD = 'case_ingestion_config.dependent_tasks';
const ENTRY_KEYS = ['task_tag', 'input', 'on_error'];
export const DEPENDENT_TASK_ON_ERROR = ['skip', 'fail'] as const;
export type DependentTaskOnError = (typeof DEPENDENT_TASK_ON_ERROR)[number];
/** Entries of one ingestion task; each is a call per new item, so they are few. */
export const MAX_DEPENDENT_TASKS = 10;
const MAX_SELECTOR = 2000;

/** A dependent task as the poller runs it: the defaults filled (no input, on_error skip). */
export interface DependentTask {
  task_tag: string;
  /** The dependent task's input field → a selector over the item: `$...` a JSONPath, else CEL over `item`. */
  input: Record<string, string>;
  on_error: DependentTaskOnError;
}

/** The tags named in a stored config's dependent_tasks (entries of another shape are skipped). */
export function caseIngestionTaskTags(config: unknown): string[] {
  return caseIngestionDependentTasks(config).map((d) => d.task_tag);
}

/** A stored config's dependent tasks with their defaults (entries of another shape are skipped: checked at save). */
export function caseIngestionDependentTasks(config: unknown): DependentTask[] {
  if (!isPlainObject(config) || !Array.isArray(config.dependent_tasks)) return [];
  return config.dependent_tasks.flatMap((entry: unknown): DependentTask[] => {
    if (typeof entry === 'string') return [{ task_tag: entry, input: {}, on_error: 'skip' }];
    if (!isPlainObject(entry) || typeof entry.task_tag !== 'string') return [];
    const input = isPlainObject(entry.input)
      ? Object.fromEntries(Object.entries(entry.input).filter((e): e is [string, string] => typeof e[1] === 'string'))
      : {};
    return [{ task_tag: entry.task_tag, input, on_error: entry.on_error === 'fail' ? 'fail' : 'skip' }];
  });
}

/** Why a selector cannot be used, or null: a JSONPath over the item (`$...`) or a CEL expression naming `item` only. */
export function itemSelectorProblem(source: string): string | null {
  const trimmed = source.trim();
  if (!trimmed) return 'must not be empty';
  if (source.length > MAX_SELECTOR) return `at most ${MAX_SELECTOR} characters`;
  if (trimmed.startsWith('$')) return jsonPathProblem(trimmed);
  try {
    const unknown = [...compileExpression(trimmed).references.roots].filter((r) => r !== 'item');
    return unknown.length > 0 ? `unknown variable ${unknown[0]} (a selector reads item)` : null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Each entry is a tag or `{ task_tag, input, on_error }` naming another task of the integration, at most once;
 * `input` maps input fields of that task (when its names are known) to selectors.
 */
export function checkCaseIngestionTasks(
  config: Record<string, unknown>,
  tag: string | undefined,
  known: ReadonlyMap<string, ReadonlySet<string> | undefined>,
  errors: TaskDefinitionErrors,
): void {
  const value = config.dependent_tasks;
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    errors.add(FIELD, 'invalid_type', `${FIELD} must be an array of task tags, not ${typeName(value)}`);
    return;
  }
  if (value.length > MAX_DEPENDENT_TASKS) {
    errors.add(FIELD, 'out_of_range', `${FIELD} has more than ${MAX_DEPENDENT_TASKS} entries`);
    return;
  }
  const seen = new Set<string>();
  value.forEach((entry: unknown, i) => {
    const at = fieldPath(FIELD, i);
    const named = typeof entry === 'string' ? entry : isPlainObject(entry) ? entry.task_tag : undefined;
    if (isPlainObject(entry) && entry.task_tag === undefined) {
      errors.add(`${at}.task_tag`, 'required', `${at}.task_tag is required`);
    } else if (typeof named !== 'string') {
      const where = isPlainObject(entry) ? `${at}.task_tag` : at;
      const what = typeName(isPlainObject(entry) ? named : entry);
      errors.add(where, 'invalid_type', `${where} must be a task tag or an object with task_tag, not ${what}`);
    } else if (named === tag) {
      errors.add(at, 'invalid_value', `${at}: an ingestion task cannot name itself`);
    } else if (seen.has(named)) {
      errors.add(at, 'duplicate_dependency', `${FIELD} names "${named}" twice`);
    } else if (!known.has(named)) {
      errors.add(at, 'unknown_dependency', `the integration has no task tagged "${named}"`);
    }
    if (typeof named === 'string') seen.add(named);
    if (isPlainObject(entry)) checkEntry(entry, at, typeof named === 'string' ? known.get(named) : undefined, errors);
  });
}

/** An object entry's own keys: input (names and selectors), on_error, nothing else. */
function checkEntry(
  entry: Record<string, unknown>,
  at: string,
  inputNames: ReadonlySet<string> | undefined,
  errors: TaskDefinitionErrors,
): void {
  for (const key of Object.keys(entry))
    if (!ENTRY_KEYS.includes(key))
      errors.add(`${at}.${key}`, 'unknown_key', `${at}.${key} is not a setting (use ${ENTRY_KEYS.join(', ')})`);
  const onError = entry.on_error;
  if (onError !== undefined && !(DEPENDENT_TASK_ON_ERROR as readonly unknown[]).includes(onError))
    errors.add(
      `${at}.on_error`,
      'invalid_value',
      `${at}.on_error must be one of ${DEPENDENT_TASK_ON_ERROR.join(', ')}`,
    );
  const input = entry.input;
  if (input === undefined || input === null) return;
  if (!isPlainObject(input)) {
    errors.add(`${at}.input`, 'invalid_type', `${at}.input must be an object of input field → selector`);
    return;
  }
  for (const [name, selector] of Object.entries(input)) {
    const field = `${at}.input.${name}`;
    if (inputNames && !inputNames.has(name)) {
      errors.add(field, 'unknown_input', `the task has no input field "${name}"`);
    } else if (typeof selector !== 'string') {
      errors.add(
        field,
        'invalid_type',
        `${field} must be a selector (a JSONPath or CEL over item), not ${typeName(selector)}`,
      );
    } else {
      const problem = itemSelectorProblem(selector);
      if (problem) errors.add(field, 'invalid_selector', `${field}: ${problem}`);
    }
  }
}
