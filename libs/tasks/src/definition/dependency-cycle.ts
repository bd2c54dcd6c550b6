// Tasks of an integration depend on each other by tag; a cycle would make a task wait for itself. Iterative
// depth-first search (an integration may hold thousands of tasks: no recursion depth to run out of).

export interface TaskDependencies {
  task_tag: string;
  depends_on: readonly string[];
  /** Read for the tags its dependent_tasks names (they depend on it as much as depends_on does). */
  case_ingestion_config?: Record<string, unknown> | null;
  /** Its input field names, when known: an ingestion task's dependent_tasks[i].input may name only these. */
  input_names?: readonly string[];
}

/**
 * A dependency cycle among the tasks as the tags along it, first tag repeated at the end (['a', 'b', 'a'];
 * ['a', 'a'] when a task depends on itself), or null. The search starts at `start` when given, so a cycle through
 * a task being saved is the one found. Dependencies on tags that are not in the list are ignored.
 */
export function findDependencyCycle(tasks: readonly TaskDependencies[], start?: string): string[] | null {
  const edges = new Map<string, readonly string[]>();
  for (const task of tasks) edges.set(task.task_tag, [...(edges.get(task.task_tag) ?? []), ...task.depends_on]);
  const state = new Map<string, 'open' | 'done'>();
  const roots = start !== undefined && edges.has(start) ? [start, ...edges.keys()] : [...edges.keys()];
  for (const root of roots) {
    if (state.has(root)) continue;
    const path: string[] = [root];
    const next: number[] = [0];
    state.set(root, 'open');
    while (path.length > 0) {
      const at = path.length - 1;
      const tag = path[at];
      const deps = edges.get(tag) ?? [];
      const i = next[at]++;
      if (i >= deps.length) {
        state.set(tag, 'done');
        path.pop();
        next.pop();
        continue;
      }
      const dep = deps[i];
      if (!edges.has(dep) || state.get(dep) === 'done') continue;
      if (state.get(dep) === 'open') return [...path.slice(path.indexOf(dep)), dep];
      state.set(dep, 'open');
      path.push(dep);
      next.push(0);
    }
  }
  return null;
}

/** `a → b → a`, for messages. */
export function describeCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}
