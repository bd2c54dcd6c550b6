// Polling ingestion's worker side (issue 19 points 2-4). Every worker sweeps for due instance ingestion; a run is
// claimed by a lease (one UPDATE ... WHERE locked_until < now() RETURNING, renewed while the run goes on), so one
// instance's ingestion never runs twice at once. A run asks the ingestion task for the window [start, end) page by
// page through the executor's pure call (executeTaskCall: the instance's auth, rate limit, the task's timeout and
// retries), and stores each page through CaseIngest.ingest in a transaction that also checks the lease and, on the
// window's last page (or where max_items_per_run stops the run), moves the cursor (or stores the resume point). A
// failed page moves nothing: the next run reads the window again and deduplication drops what was stored. The run's
// outcome is recorded as a task run (source ingestion) and in last_run.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability, SystemContext, TenantContext, isDatabaseUnavailable } from '@conduit/database';
import { InstancesService } from '@conduit/integrations';
import { ConduitConfig, ConduitException, InjectConfig, TenantId, credentialScrubber } from '@conduit/platform';
import { InstanceRateLimiter, TaskEntity } from '@conduit/tasks';
import {
  OAuth2TokenCache,
  TaskCallResult,
  TaskHttpClient,
  TaskRunsRepository,
  TaskRunsService,
  TasksRepository,
  dependencyOrder,
  executeTaskCall,
  instanceTaskCall,
} from '@conduit/tasks/engine';
import { CaseIngest } from '../case-ingest';
import { EnrichmentFailed, IngestionEnrichment } from './ingestion-enrichment';
import { IngestionConfig, ResumePoint, nextWindow } from '../polling/ingestion-config';
import { ClaimedIngestion, InstanceIngestionRepository } from '../repositories/instance-ingestion.repository';

const CLAIM_BATCH = 20;
/** Runs one worker carries at once; more due instances wait for the next sweep (or another worker). */
const MAX_CONCURRENT_RUNS = 50;
const ITEMS = '__ingestion_items';
const NEXT = '__ingestion_next';

/** What a run did: kept in last_run and as the task run's outputs. */
export interface IngestionOutcome {
  window: { start: string; end: string } | null;
  resumed_from: ResumePoint | null;
  pages: number;
  items_fetched: number;
  stored: number;
  duplicates: number;
  filtered: number;
  invalid: number;
  cases_created: number;
  cases_updated: number;
  /** New events whose dependent tasks (case_ingestion_config.dependent_tasks) all answered. */
  enriched: number;
  /** New events with a failed dependent task (stored with the error, or the page failed under on_error fail). */
  enrichment_failed: number;
  /** The window was read to its end (the cursor moved to its end). */
  window_done: boolean;
  /** max_items_per_run stopped the run mid-window: the next run resumes here. */
  resume: ResumePoint | null;
  cursor: string | null;
  duration_ms: number;
  error: { code: string; message: string } | null;
  task_run_id: string | null;
}

class LeaseLost extends Error {
  constructor() {
    super('the ingestion lease was lost (taken over by another worker)');
  }
}

/** The run's task run was cancelled (POST /task-runs/{id}/cancel): the run stops before storing another page. */
class RunCancelled extends Error {
  constructor() {
    super('cancelled by request');
  }
}

/** Why the run's signal was aborted: a cancellation, or (otherwise) the lease lost. */
function stopped(signal: AbortSignal): Error {
  return signal.reason instanceof RunCancelled ? signal.reason : new LeaseLost();
}

class RunFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly call?: TaskCallResult,
  ) {
    super(message);
  }
}

@Injectable()
export class IngestionPoller {
  private readonly logger = new Logger(IngestionPoller.name);
  private readonly active = new Set<Promise<void>>();

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly ingestion: InstanceIngestionRepository,
    private readonly caseIngest: CaseIngest,
    private readonly instances: InstancesService,
    private readonly tasks: TasksRepository,
    private readonly runsService: TaskRunsService,
    private readonly runs: TaskRunsRepository,
    private readonly http: TaskHttpClient,
    private readonly tokens: OAuth2TokenCache,
    private readonly limiter: InstanceRateLimiter,
    private readonly enrichment: IngestionEnrichment,
  ) {}

  /**
   * Claims due ingestion of every tenant (each run claimed by one worker), up to this worker's free capacity, and
   * starts the runs. With `wait`, answers when they ended; the timer does not wait, so a slow tool does not hold back
   * the next sweep (the runs in flight are awaited on shutdown).
   */
  async sweepOnce(options: { wait: boolean } = { wait: true }): Promise<{ started: number }> {
    if (MAX_CONCURRENT_RUNS - this.active.size <= 0) return { started: 0 };
    const tenants = await this.system.run(
      'case_ingestion.sweep',
      (plane) => plane.tenantsWithDueWork({ kind: 'case_ingestion' }),
      { routine: true },
    );
    const started: Promise<void>[] = [];
    for (const tenantId of tenants) {
      const capacity = MAX_CONCURRENT_RUNS - this.active.size;
      if (capacity <= 0) break;
      const claimed = await this.db.runInTenant(tenantId, () =>
        this.ingestion.claimDue(tenantId, Math.min(CLAIM_BATCH, capacity), this.config.CASE_INGESTION_LEASE_SECONDS),
      );
      for (const row of claimed) {
        const run: Promise<void> = this.run(tenantId, row)
          .then(() => undefined)
          .catch((err: unknown) =>
            this.logger.warn({ instance_id: row.instance_uuid, err: (err as Error).message }, 'ingestion run failed'),
          )
          .finally(() => this.active.delete(run));
        this.active.add(run);
        started.push(run);
      }
    }
    if (options.wait) await Promise.all(started);
    return { started: started.length };
  }

  /** Waits for the runs in flight (shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.active]);
  }

  /** One claimed run, to its end: the window page by page, then the outcome recorded. */
  async run(tenantId: TenantId, claimed: ClaimedIngestion): Promise<IngestionOutcome> {
    const started = Date.now();
    const leaseSeconds = this.config.CASE_INGESTION_LEASE_SECONDS;
    const abort = new AbortController();
    let lost = false;
    let prepared: Awaited<ReturnType<TaskRunsService['prepare']>> | null = null;
    const beat = setInterval(
      () => {
        void this.db
          .runInTenant(tenantId, async () => ({
            held: await this.ingestion.renew(tenantId, claimed.instance_uuid, claimed.lock_token, leaseSeconds),
            cancelled: prepared !== null && (await this.cancelled(tenantId, prepared.row.id)),
          }))
          .then(({ held, cancelled }) => {
            if (!held && !lost) {
              lost = true;
              abort.abort(new LeaseLost());
            } else if (cancelled && !abort.signal.aborted) abort.abort(new RunCancelled());
          })
          .catch(() => undefined); // the database away: the page's own lease check decides
      },
      Math.max(200, (leaseSeconds * 1000) / 3),
    );
    const config = claimed.config;
    const now = new Date();
    const window = nextWindow(config, claimed.cursor ? new Date(claimed.cursor) : null, claimed.resume, now);
    const outcome: IngestionOutcome = {
      window: window ? { start: window.start.toISOString(), end: window.end.toISOString() } : null,
      resumed_from: window?.resume ?? null,
      pages: 0,
      items_fetched: 0,
      stored: 0,
      duplicates: 0,
      filtered: 0,
      invalid: 0,
      cases_created: 0,
      cases_updated: 0,
      enriched: 0,
      enrichment_failed: 0,
      window_done: false,
      resume: null,
      cursor: claimed.cursor ? new Date(claimed.cursor).toISOString() : null,
      duration_ms: 0,
      error: null,
      task_run_id: null,
    };
    let lastCall: TaskCallResult | null = null;
    try {
      if (window) {
        const owners = await this.runsService.owners(tenantId);
        prepared = await this.db.runInTenant(tenantId, async () => {
          const made = await this.runsService.prepare(tenantId, owners, {
            instanceUuid: claimed.instance_uuid,
            taskTag: config.task_tag,
            input: {},
            source: 'ingestion',
          });
          // The run shows as running from its start. A run of this instance still running now belongs to a worker
          // that died mid-run (this claim needed its lease to expire): it is recorded as lost.
          await this.runs.abandonIngestion(tenantId, claimed.instance_uuid, {
            code: 'worker_lost',
            message:
              'the worker running this ingestion stopped before the run ended; the next run read the window again',
          });
          const startedAt = new Date(started);
          await this.runs.insert({
            ...made.row,
            input: { ...outcome.window },
            status: 'running',
            attempt_count: 1,
            started_at: startedAt,
            updated_at: startedAt,
          });
          return made;
        });
        lastCall = await this.pages(
          tenantId,
          claimed,
          config,
          window,
          owners,
          prepared.task,
          prepared.row.id,
          outcome,
          abort.signal,
        );
      } else outcome.window_done = true;
    } catch (err) {
      if (isDatabaseUnavailable(err) && !(err instanceof ConduitException)) {
        clearInterval(beat);
        throw err; // the lease expires and another sweep runs the window again
      }
      if (err instanceof LeaseLost || lost) outcome.error = { code: 'lease_lost', message: new LeaseLost().message };
      else if (err instanceof RunCancelled) outcome.error = { code: 'cancelled', message: err.message };
      else if (err instanceof RunFailed || err instanceof EnrichmentFailed) {
        outcome.error = { code: err.code, message: err.message };
        lastCall = err.call ?? lastCall;
      } else if (err instanceof ConduitException) outcome.error = { code: err.code, message: err.message };
      else {
        this.logger.error({ instance_id: claimed.instance_uuid, err: (err as Error).message }, 'ingestion run failed');
        outcome.error = { code: 'internal_error', message: (err as Error).message };
      }
    } finally {
      clearInterval(beat);
    }
    outcome.duration_ms = Date.now() - started;
    if (outcome.error?.code === 'lease_lost') return outcome; // the other worker owns the row now
    if (prepared) outcome.task_run_id = await this.record(tenantId, prepared.row, outcome, lastCall);
    const next = outcome.resume && !outcome.error ? new Date() : new Date(Date.now() + config.interval_seconds * 1000);
    await this.db.runInTenant(tenantId, () =>
      this.ingestion.finish(
        tenantId,
        claimed.instance_uuid,
        claimed.lock_token,
        outcome as unknown as Record<string, unknown>,
        next,
      ),
    );
    if (outcome.error)
      this.logger.warn(
        { instance_id: claimed.instance_uuid, error: outcome.error.code, pages: outcome.pages },
        `ingestion run failed: ${outcome.error.message}`,
      );
    return outcome;
  }

  private async pages(
    tenantId: TenantId,
    claimed: ClaimedIngestion,
    config: IngestionConfig,
    window: { start: Date; end: Date; resume: ResumePoint | null },
    owners: TenantId[],
    task: TaskEntity,
    runId: string,
    outcome: IngestionOutcome,
    signal: AbortSignal,
  ): Promise<TaskCallResult | null> {
    const loaded = await this.db.runInTenant(tenantId, async () => ({
      opened: await this.instances.openForRun(tenantId, claimed.instance_uuid),
      all: await this.tasks.ofIntegration(owners, claimed.integration_uuid),
    }));
    const { opened } = loaded;
    if (!opened) throw new RunFailed('instance_unavailable', 'the instance was deleted');
    const { instance, secrets } = opened;
    const secretValues = [
      ...Object.values(secrets.fields).map(String),
      ...Object.values(secrets.credentials).filter((v): v is string => typeof v === 'string'),
    ];
    const scrub = credentialScrubber(secretValues);
    const itemsPath = config.items_path ?? task.output_fields.find((f) => f.is_array)?.path;
    if (!itemsPath)
      throw new RunFailed('no_items_path', `task ${task.task_tag} has no is_array output and no items_path`);
    const defaults = Object.fromEntries(task.input_fields.map((f) => [f.name, f.default ?? null]));
    const call = (t: Pick<TaskEntity, 'task_tag' | 'request' | 'output_fields' | 'error_handling'>, input: object) =>
      executeTaskCall(
        instanceTaskCall(opened, {
          runId: `ingestion-${claimed.instance_uuid}`,
          task: t,
          input: { ...defaults, ...input },
          deps,
        }),
        {
          http: this.http,
          tokens: this.tokens,
          beforeSend: () => this.limiter.acquire(tenantId, instance.id, instance.rate_limit, signal),
          signal,
        },
      ).then((r) => scrub.json(r));

    // The task's dependencies run once per run, in order; their outputs feed the page calls' templates.
    const deps: Record<string, Record<string, unknown>> = {};
    const order = dependencyOrder(task, loaded.all);
    if (!order.ok) throw new RunFailed('dependency_failed', 'the ingestion task’s dependencies cannot be ordered');
    for (const dep of order.order) {
      const r = await call(dep, {});
      if (r.status !== 'success')
        throw new RunFailed(
          'dependency_failed',
          `dependency ${dep.task_tag} ended ${r.status}: ${r.error?.message ?? ''}`,
          r,
        );
      deps[dep.task_tag] = r.outputs ?? {};
    }
    const enricher = await this.enrichment.prepare({
      tenantId,
      instanceUuid: claimed.instance_uuid,
      task,
      all: loaded.all,
      mapping: config.mapping,
      call,
      deps,
    });

    const pagination = config.pagination;
    const pageTask = {
      task_tag: task.task_tag,
      request: task.request,
      error_handling: task.error_handling,
      output_fields: [
        { name: ITEMS, path: itemsPath, type: 'any' as const, is_array: true },
        ...(pagination.type === 'token'
          ? [{ name: NEXT, path: pagination.next_path, type: 'any' as const, is_array: false }]
          : []),
      ],
    };
    const start = window.start.toISOString();
    const end = window.end.toISOString();
    let token: string | null = window.resume?.page_token ?? null;
    let page: number = window.resume?.page ?? 1;
    let fetched = 0;
    const fetchPage = (): Promise<TaskCallResult> => {
      const input: Record<string, unknown> = { start, end, page_size: config.page_size };
      if (pagination.type === 'token') input[pagination.param] = token;
      if (pagination.type === 'page') input[pagination.param] = page;
      const fetching = call(pageTask, input);
      fetching.catch(() => undefined); // awaited below; a page stored in error before it is read must not go unhandled
      return fetching;
    };
    // The next page is asked for while this one is stored (pages come in order, so only one is ahead): the tool's
    // answer and the storing overlap. Nothing about the cursor changes: it still moves only with a stored page, and a
    // page that fails to store ends the run before the page fetched ahead is read.
    let ahead: Promise<TaskCallResult> | null = null;
    for (;;) {
      if (signal.aborted) throw stopped(signal);
      const result = await (ahead ?? fetchPage());
      ahead = null;
      if (signal.aborted) throw stopped(signal);
      if (result.status !== 'success')
        throw new RunFailed(
          `page_${result.status}`,
          `page ${outcome.pages + 1} of the window ended ${result.status}: ${result.error?.message ?? ''}`,
          result,
        );
      const raw = result.outputs?.[ITEMS];
      const items = Array.isArray(raw) ? (raw as unknown[]) : [];
      outcome.pages += 1;
      outcome.items_fetched += items.length;
      fetched += items.length;
      let more: boolean;
      if (pagination.type === 'token') {
        const next = result.outputs?.[NEXT];
        const nextToken = typeof next === 'string' || typeof next === 'number' ? String(next) : null;
        more = nextToken !== null && nextToken !== '' && items.length > 0;
        token = nextToken;
      } else if (pagination.type === 'page') {
        more = items.length >= config.page_size;
        page += 1;
      } else more = false;
      const stop = more && fetched >= config.max_items_per_run;
      const resume: ResumePoint | null | undefined = !more
        ? null
        : stop
          ? { start, end, ...(pagination.type === 'token' ? { page_token: token } : { page }) }
          : undefined;
      if (more && !stop) ahead = fetchPage();
      // Only with dependent tasks: they run for the page's new items before its transaction.
      const enrichment = enricher ? await enricher.enrich(items, outcome) : undefined;
      // The page's events and cases, and the cursor (or resume point), in one transaction checked against the lease.
      const ingested = await this.db.runInTenant(tenantId, async () => {
        // Cancelled meanwhile: the page is not stored, the cursor stays before it (a cancellation committed after
        // this read stops the run at the next page).
        if (await this.cancelled(tenantId, runId)) throw new RunCancelled();
        const r = await this.caseIngest.ingest(
          tenantId,
          { kind: 'instance', instanceUuid: claimed.instance_uuid },
          config.mapping,
          items,
          enrichment,
        );
        const held = await this.ingestion.advance(
          tenantId,
          claimed.instance_uuid,
          claimed.lock_token,
          more ? null : window.end,
          resume,
        );
        if (!held) throw new LeaseLost();
        return r;
      });
      outcome.stored += ingested.stored;
      outcome.duplicates += ingested.duplicates;
      outcome.filtered += ingested.filtered;
      outcome.invalid += ingested.invalid;
      outcome.cases_created += ingested.cases_created;
      outcome.cases_updated += ingested.cases_updated;
      if (!more) {
        outcome.window_done = true;
        outcome.cursor = end;
        return result;
      }
      if (stop) {
        outcome.resume = resume ?? null;
        return result;
      }
    }
  }

  private async cancelled(tenantId: TenantId, runId: string): Promise<boolean> {
    return (await this.runs.statuses(tenantId, [runId])).get(runId) === 'cancelled';
  }

  /** The run's task run (source ingestion, written running at its start) finished: the outcome in outputs. */
  private async record(
    tenantId: TenantId,
    row: Awaited<ReturnType<TaskRunsService['prepare']>>['row'],
    outcome: IngestionOutcome,
    last: TaskCallResult | null,
  ): Promise<string | null> {
    const ok = !outcome.error;
    const { task_run_id: _, ...outputs } = outcome;
    try {
      const finished = await this.db.runInTenant(tenantId, () =>
        this.runs.finishIngestion(tenantId, row.id, {
          input: outcome.window ? { ...outcome.window } : {},
          status: ok
            ? 'success'
            : outcome.error?.code === 'cancelled'
              ? 'cancelled'
              : last?.status === 'timeout'
                ? 'timeout'
                : 'failure',
          response_status: last?.response_status ?? null,
          attempts: ok ? [] : ((last?.attempts ?? []) as unknown as Record<string, unknown>[]),
          outputs: outputs as unknown as Record<string, unknown>,
          error: outcome.error,
          records_processed: outcome.items_fetched,
          performance: {
            run_ms: outcome.duration_ms,
            pages: outcome.pages,
            items_fetched: outcome.items_fetched,
            stored: outcome.stored,
            duplicates: outcome.duplicates,
            filtered: outcome.filtered,
            invalid: outcome.invalid,
          },
        }),
      );
      return finished ? row.id : null;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'the ingestion run could not be recorded as a task run');
      return null;
    }
  }
}

/** Runs the due ingestion in every worker process (each run leased by one of them). */
@Injectable()
export class IngestionTimer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestionTimer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly poller: IngestionPoller,
    private readonly database: DatabaseAvailability,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.CASE_INGESTION_SWEEP_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.poller.drain();
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.poller
      .sweepOnce({ wait: false })
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!this.database.away) this.logger.warn({ err: (err as Error).message }, 'case ingestion sweep failed');
      })
      .finally(() => {
        this.running = undefined;
      });
  }
}
