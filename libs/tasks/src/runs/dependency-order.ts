// Which tasks a run executes before its task: every task it depends on, directly or through another, each once, a
// task after everything it depends on; among tasks free to go, by execution_order, then by their sequence number.
// Definitions cannot save a cycle (verifyTaskDefinition), but a run must not loop if one exists anyway: the
// dependencies on a cycle are reported instead.

export interface OrderedTask {
  task_tag: string;
  depends_on: readonly string[];
  execution_order: number;
  task_id: number;
}

export type DependencyOrder<T> = { ok: true; order: T[] } | { ok: false; missing: string[]; cycle: boolean };

export function dependencyOrder<T extends OrderedTask>(task: T, all: readonly T[]): DependencyOrder<T> {
  const byTag = new Map(all.map((t) => [t.task_tag, t]));
  // The closure of what `task` needs.
  const needed = new Map<string, T>();
  const missing: string[] = [];
  const stack = [...task.depends_on];
  while (stack.length > 0) {
    const tag = stack.pop() as string;
    if (needed.has(tag) || tag === task.task_tag) continue;
    const dep = byTag.get(tag);
    if (!dep) {
      if (!missing.includes(tag)) missing.push(tag);
      continue;
    }
    needed.set(tag, dep);
    stack.push(...dep.depends_on);
  }
  if (missing.length > 0) return { ok: false, missing, cycle: false };
  if ([...needed.values()].some((d) => d.depends_on.includes(task.task_tag)))
    return { ok: false, missing: [], cycle: true };
  // Kahn's algorithm, the ready set kept in (execution_order, task_id) order.
  const remaining = new Map([...needed.values()].map((t) => [t.task_tag, new Set(t.depends_on)]));
  const order: T[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.entries()]
      .filter(([, deps]) => deps.size === 0)
      .map(([tag]) => needed.get(tag) as T)
      .sort((a, b) => a.execution_order - b.execution_order || a.task_id - b.task_id);
    if (ready.length === 0) return { ok: false, missing: [], cycle: true };
    const next = ready[0];
    order.push(next);
    remaining.delete(next.task_tag);
    for (const deps of remaining.values()) deps.delete(next.task_tag);
  }
  return { ok: true, order };
}
