// The order an app's tasks are saved in, and the references between them: a task's definition is checked against
// the integration's tasks as they are when it is saved, so a task named by depends_on or by an ingestion task's
// case_ingestion_config.dependent_tasks must be saved first. References are by tag, so nothing is renumbered; a tag
// that is neither in the document nor already a task of the integration is an unresolvable reference.
import type { ImportProblem } from '../format/transfer-document';

export interface TaskReferences {
  /**
   * Indexes into the document's tasks, each after every task it names. Tasks in a cycle come last, in document order
   * (the tasks service refuses the cycle with its own error).
   */
  order: number[];
  /** Per task index, its unresolvable references. */
  problems: Map<number, ImportProblem[]>;
}

/** The tags a task definition names: depends_on and the ingestion config's dependent_tasks, with their paths. */
export function namedTags(task: Record<string, unknown>): { tag: string; field: string }[] {
  const named: { tag: string; field: string }[] = [];
  if (Array.isArray(task.depends_on))
    task.depends_on.forEach((tag, i) => {
      if (typeof tag === 'string') named.push({ tag, field: `depends_on[${i}]` });
    });
  // The entry shapes the tasks service reads (caseIngestionTaskTags): a tag, or an object with task_tag.
  const config = task.case_ingestion_config;
  const entries = isObject(config) && Array.isArray(config.dependent_tasks) ? config.dependent_tasks : [];
  entries.forEach((entry: unknown, i) => {
    const tag = typeof entry === 'string' ? entry : isObject(entry) ? entry.task_tag : undefined;
    if (typeof tag === 'string') named.push({ tag, field: `case_ingestion_config.dependent_tasks[${i}]` });
  });
  return named;
}

/**
 * Orders the tasks (`at` is the tasks' path in the document, e.g. `apps[0].tasks`) and finds the references neither
 * the document nor the integration's existing tags resolve.
 */
export function taskReferences(
  tasks: readonly Record<string, unknown>[],
  existingTags: ReadonlySet<string>,
  at: string,
): TaskReferences {
  const byTag = new Map<string, number>();
  tasks.forEach((t, i) => {
    if (typeof t.task_tag === 'string' && !byTag.has(t.task_tag)) byTag.set(t.task_tag, i);
  });
  const problems = new Map<number, ImportProblem[]>();
  const needs = tasks.map((t, i) => {
    const before = new Set<number>();
    for (const { tag, field } of namedTags(t)) {
      const j = byTag.get(tag);
      if (j !== undefined && j !== i) before.add(j);
      else if (j === undefined && !existingTags.has(tag)) {
        const list = problems.get(i) ?? [];
        list.push({
          code: 'unresolved_reference',
          field: `${at}[${i}].${field}`,
          message: `no task tagged "${tag}" in the document or in the integration`,
        });
        problems.set(i, list);
      }
    }
    return before;
  });
  // Kahn's algorithm, keeping document order among tasks that are ready together.
  const order: number[] = [];
  const placed = new Set<number>();
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (let i = 0; i < tasks.length; i++) {
      if (placed.has(i) || [...needs[i]].some((j) => !placed.has(j))) continue;
      order.push(i);
      placed.add(i);
      progressed = true;
    }
  }
  for (let i = 0; i < tasks.length; i++) if (!placed.has(i)) order.push(i);
  return { order, problems };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
