// Per-item enrichment of polling ingestion (seed 002's "dependent task configurations" of CASE_INGESTION): the
// ingestion task's case_ingestion_config.dependent_tasks run once for every NEW item of a page, e.g. to fetch an
// alert's details, before the page's transaction, through the poller's own call (the instance's auth, rate limit and
// secrets, the task's timeout and retries, results scrubbed). What they answer is stored with the event
// (case_events.enrichment) by CaseIngest. Nothing here runs for an ingestion without dependent tasks: prepare()
// answers null and the poller's pages go on as before.
import { Injectable } from '@nestjs/common';
import {
  type CompiledExpression,
  compileExpression,
  evaluateExpression,
  toCel,
  withinEvaluationBudget,
} from '@conduit/chains/templates';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { DependentTask, TaskEntity, caseIngestionDependentTasks, jsonPathMatches } from '@conduit/tasks';
import { TaskCallResult, dependencyOrder } from '@conduit/tasks/engine';
import { CaseMapping, ITEM_EVALUATION_BUDGET_MS, compileCaseMapping, mapItem } from '../mapping/case-mapping';
import { CaseEventsRepository } from '../repositories/case-events.repository';

/** Dependent-task calls in flight at once for one page (the instance's rate limit still paces them). */
export const ENRICHMENT_CONCURRENCY = 8;

type CallableTask = Pick<TaskEntity, 'task_tag' | 'request' | 'output_fields' | 'error_handling'>;
/** The poller's call: one task call on the run's instance, its secrets scrubbed from the result. */
export type EnrichmentCall = (task: CallableTask, input: object) => Promise<TaskCallResult>;

/** A run's enrichment counts (kept in the ingestion outcome). */
export interface EnrichmentCounts {
  /** New events whose dependent tasks all answered. */
  enriched: number;
  /** New events with at least one failed dependent task (stored with the error under on_error skip). */
  enrichment_failed: number;
}

/** Ends the run: a dependent task with on_error fail failed (the page is not stored, the cursor does not move). */
export class EnrichmentFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly call?: TaskCallResult,
  ) {
    super(message);
  }
}

interface CallError {
  code: string;
  message: string;
}

type Selector = (item: unknown) => unknown;

interface PreparedTask {
  entry: DependentTask;
  /** Null when it cannot run (gone, not active, its own dependencies failed): every item gets `unavailable`. */
  task: CallableTask | null;
  unavailable: CallError | null;
  defaults: Record<string, unknown>;
  selectors: [string, Selector][];
}

@Injectable()
export class IngestionEnrichment {
  constructor(
    private readonly db: TenantContext,
    private readonly caseEvents: CaseEventsRepository,
  ) {}

  /**
   * The run's enricher, or null when the ingestion task names no dependent tasks. The dependent tasks' own
   * dependencies that the run has not run yet run here, once per run, and join `deps` (the outputs every call of
   * the run reads as `{{deps.<tag>.x}}`).
   */
  async prepare(run: {
    tenantId: TenantId;
    instanceUuid: string;
    task: TaskEntity;
    all: TaskEntity[];
    mapping: CaseMapping;
    call: EnrichmentCall;
    deps: Record<string, Record<string, unknown>>;
  }): Promise<PageEnricher | null> {
    const entries = caseIngestionDependentTasks(run.task.case_ingestion_config);
    if (entries.length === 0) return null;
    const byTag = new Map(run.all.map((t) => [t.task_tag, t]));
    const tasks: PreparedTask[] = [];
    for (const entry of entries) {
      const task = byTag.get(entry.task_tag);
      const prepared: PreparedTask = {
        entry,
        task: null,
        unavailable: null,
        defaults: Object.fromEntries((task?.input_fields ?? []).map((f) => [f.name, f.default ?? null])),
        selectors: Object.entries(entry.input).map(([name, source]) => [name, compileSelector(source)]),
      };
      tasks.push(prepared);
      if (!task || task.status !== 'active') {
        prepared.unavailable = {
          code: 'task_not_runnable',
          message: `dependent task ${entry.task_tag} is ${task ? task.status : 'gone'}: only active tasks run`,
        };
        continue;
      }
      prepared.unavailable = await this.runDependencies(task, run.all, run.call, run.deps);
      if (!prepared.unavailable) prepared.task = task;
    }
    return new PageEnricher(this.db, this.caseEvents, run.tenantId, run.instanceUuid, run.mapping, run.call, tasks);
  }

  private async runDependencies(
    task: TaskEntity,
    all: TaskEntity[],
    call: EnrichmentCall,
    deps: Record<string, Record<string, unknown>>,
  ): Promise<CallError | null> {
    const order = dependencyOrder(task, all);
    if (!order.ok)
      return { code: 'dependency_failed', message: `the dependencies of ${task.task_tag} cannot be ordered` };
    for (const dep of order.order) {
      if (deps[dep.task_tag]) continue;
      const r = await call(dep, {});
      if (r.status !== 'success')
        return {
          code: 'dependency_failed',
          message: `dependency ${dep.task_tag} of ${task.task_tag} ended ${r.status}: ${r.error?.message ?? ''}`,
        };
      deps[dep.task_tag] = r.outputs ?? {};
    }
    return null;
  }
}

/** One run's dependent tasks, applied page by page. */
export class PageEnricher {
  constructor(
    private readonly db: TenantContext,
    private readonly caseEvents: CaseEventsRepository,
    private readonly tenantId: TenantId,
    private readonly instanceUuid: string,
    mapping: CaseMapping,
    private readonly call: EnrichmentCall,
    private readonly tasks: PreparedTask[],
  ) {
    this.compiled = compileCaseMapping(mapping);
  }

  private readonly compiled: ReturnType<typeof compileCaseMapping>;

  /**
   * The page's enrichment by external id, for the items CaseIngest will store: mapped (filtered and invalid items
   * dropped, a repeated id once) and not stored yet. The stored ids are read before the page's transaction: one
   * poller holds the instance's lease, and CaseIngest's own duplicate check stays the guard. Throws EnrichmentFailed
   * when a dependent task with on_error fail failed (after the calls in flight ended).
   */
  async enrich(items: unknown[], counts: EnrichmentCounts): Promise<Map<string, Record<string, unknown>>> {
    const candidates = new Map<string, unknown>();
    for (const raw of items) {
      const mapped = mapItem(this.compiled, raw);
      if (mapped.kind === 'mapped' && !candidates.has(mapped.item.external_id))
        candidates.set(mapped.item.external_id, raw);
    }
    const result = new Map<string, Record<string, unknown>>();
    if (candidates.size === 0) return result;
    const stored = await this.db.runInTenant(this.tenantId, () =>
      this.caseEvents.existing(this.tenantId, this.instanceUuid, [...candidates.keys()]),
    );
    const jobs: { id: string; raw: unknown; task: PreparedTask }[] = [];
    for (const [id, raw] of candidates) {
      if (stored.has(id)) continue;
      result.set(id, {});
      for (const task of this.tasks) jobs.push({ id, raw, task });
    }

    const failedIds = new Set<string>();
    let fatal: EnrichmentFailed | null = null;
    let next = 0;
    const worker = async () => {
      while (!fatal && next < jobs.length) {
        const { id, raw, task } = jobs[next++];
        const outcome = await this.runOne(task, raw);
        const tag = task.entry.task_tag;
        if ('outputs' in outcome) {
          (result.get(id) as Record<string, unknown>)[tag] = outcome.outputs;
          continue;
        }
        failedIds.add(id);
        (result.get(id) as Record<string, unknown>)[tag] = { error: outcome.error };
        // A cancelled call means the lease is gone (the run's signal): the run stops whatever on_error says.
        if (task.entry.on_error === 'fail' || outcome.call?.status === 'cancelled')
          fatal ??= new EnrichmentFailed(
            outcome.call?.status === 'cancelled' ? 'cancelled' : 'enrichment_failed',
            `dependent task ${tag} failed for item ${JSON.stringify(id)}: ${outcome.error.code}: ${outcome.error.message}`,
            outcome.call,
          );
      }
    };
    await Promise.all(Array.from({ length: Math.min(ENRICHMENT_CONCURRENCY, jobs.length) }, worker));
    counts.enrichment_failed += failedIds.size;
    if (fatal) throw fatal;
    counts.enriched += result.size - failedIds.size;
    return result;
  }

  private async runOne(
    prepared: PreparedTask,
    raw: unknown,
  ): Promise<{ outputs: Record<string, unknown> } | { error: CallError; call?: TaskCallResult }> {
    if (!prepared.task) return { error: prepared.unavailable as CallError };
    const input: Record<string, unknown> = { ...prepared.defaults };
    for (const [name, select] of prepared.selectors) {
      try {
        input[name] = select(raw) ?? null;
      } catch (err) {
        return { error: { code: 'input_failed', message: `input ${name}: ${(err as Error).message}` } };
      }
    }
    const r = await this.call(prepared.task, input);
    if (r.status === 'success') return { outputs: r.outputs ?? {} };
    return { error: { code: r.error?.code ?? r.status, message: r.error?.message ?? `ended ${r.status}` }, call: r };
  }
}

/** A selector over the item: `$...` a JSONPath (its first match), else CEL over `item` (within the item budget). */
function compileSelector(source: string): Selector {
  const trimmed = source.trim();
  if (trimmed.startsWith('$')) return (item) => jsonPathMatches(trimmed, item)[0];
  let expression: CompiledExpression;
  try {
    expression = compileExpression(trimmed);
  } catch (err) {
    // Checked when the task was saved; were it broken anyway, each item's call fails with input_failed.
    return () => {
      throw err;
    };
  }
  return (item) => {
    const context = { item: toCel(item) };
    if (expression.cheap) return evaluateExpression(expression, context);
    return withinEvaluationBudget(() => evaluateExpression(expression, context), ITEM_EVALUATION_BUDGET_MS);
  };
}
