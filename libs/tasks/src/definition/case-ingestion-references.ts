// The tasks an ingestion task's `case_ingestion_config.dependent_tasks` names (seed 002's CASE_INGESTION: the tasks
// run for each ingested item, e.g. to fetch an alert's details). They are tasks of the same integration, named by
// tag as a string or as `{ "task_tag": ... }` with settings of its own; deleting or renaming one of them would
// break the ingestion, so they count as its dependents.
import { TaskDefinitionErrors, fieldPath, isPlainObject, typeName } from './verification';

const FIELD = 'case_ingestion_config.dependent_tasks';

/** The tags named in a stored config's dependent_tasks (entries of another shape are skipped). */
export function caseIngestionTaskTags(config: unknown): string[] {
  if (!isPlainObject(config) || !Array.isArray(config.dependent_tasks)) return [];
  return config.dependent_tasks.flatMap((entry: unknown) => {
    const tag = typeof entry === 'string' ? entry : isPlainObject(entry) ? entry.task_tag : undefined;
    return typeof tag === 'string' ? [tag] : [];
  });
}

/** Each entry is a tag or `{ task_tag }` naming another task of the integration, at most once. */
export function checkCaseIngestionTasks(
  config: Record<string, unknown>,
  tag: string | undefined,
  known: ReadonlySet<string>,
  errors: TaskDefinitionErrors,
): void {
  const value = config.dependent_tasks;
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    errors.add(FIELD, 'invalid_type', `${FIELD} must be an array of task tags, not ${typeName(value)}`);
    return;
  }
  const seen = new Set<string>();
  value.forEach((entry: unknown, i) => {
    const at = fieldPath(FIELD, i);
    const named = typeof entry === 'string' ? entry : isPlainObject(entry) ? entry.task_tag : undefined;
    if (typeof named !== 'string') {
      errors.add(at, 'invalid_type', `${at} must be a task tag or an object with task_tag, not ${typeName(entry)}`);
    } else if (named === tag) {
      errors.add(at, 'invalid_value', `${at}: an ingestion task cannot name itself`);
    } else if (seen.has(named)) {
      errors.add(at, 'duplicate_dependency', `${FIELD} names "${named}" twice`);
    } else if (!known.has(named)) {
      errors.add(at, 'unknown_dependency', `the integration has no task tagged "${named}"`);
    }
    if (typeof named === 'string') seen.add(named);
  });
}
