// One attempt of one step: claim the step run, check that its credentials may go to its target's host, render its
// templates, check its condition, send the signed request (a task step runs its task instead: task-step-runner.ts),
// then record the result together with whatever follows (next step, retry, pause, end of run, compensation) in one
// statement; the job for what follows is queued after it commits. A job only says "look at this row now", so a stale
// or duplicate job claims nothing, and a step whose result was recorded is never sent again. Whatever goes wrong
// between the claim and the record is recorded as a failed attempt: an unrecorded attempt would only come back when
// its lease expires, and an attempt that keeps failing that way would be sent again for ever.
import { Injectable, Logger } from '@nestjs/common';
import { isDatabaseUnavailable } from '@conduit/database';
import {
  Clock,
  ConduitConfig,
  CredentialScrubber,
  IdGenerator,
  InjectConfig,
  credentialScrubber,
  findInputProblem,
  storableText,
  unreachable,
} from '@conduit/platform';
import { SubscriptionCredentials } from '@conduit/webhooks/engine';
import { ChainStepScheduler } from '../chain-step-scheduler';
import { ChainHttpClient } from './chain-http-client';
import { CredentialHostError, CredentialVault } from './credential-vault';
import { AttemptOutcome, Decision, StepSummary, decide } from './step-decision';
import { RenderedStep, evaluateStep, fillStep, stepPlan } from './step-render';
import { buildStepRequest } from './step-request';
import { TaskStepRunner } from './task-step-runner';
import { ClaimedStep, RunAdvance, StepDetail, StepResultRecord, StepStore } from '../repositories/step-store';
import type { ChainStepJob } from '../chain-step-job';

export type StepOutcome = 'sent' | 'failed' | 'retrying' | 'skipped' | 'not_claimed' | 'lease_lost';

export interface StepAttemptOutcome {
  outcome: StepOutcome;
  /** The HTTP exchange, when one happened. */
  durationMs?: number;
  statusCode?: number;
  /** What the attempt led to (next, retry, complete, fail, ...). */
  decision?: Decision['type'];
  /**
   * With `continueInline`: the step run that is due right now after this one (no delay, run not paused), for the
   * caller to run at once instead of through the queue. Its row is committed and pending, so if the caller dies
   * first the reconciler queues it like any lost job.
   */
  next?: ChainStepJob;
}

export interface AttemptOptions {
  /** Return the next due step run (StepAttemptOutcome.next) instead of queueing a job for it. */
  continueInline?: boolean;
}

type AttemptFields = Omit<StepResultRecord, 'status' | 'retryInMs'>;

// Attempts that were claimed but never recorded (a worker killed mid-step, an attempt that failed unrecorded) count
// as attempts; beyond the step's own attempts, this many more are allowed before the step fails without another send.
export const MAX_LOST_ATTEMPTS = 3;
const MAX_ERROR_LENGTH = 2000;

const NO_EXCHANGE: AttemptFields = {
  requestPayload: null,
  requestHeaders: null,
  responseCode: null,
  responseBody: null,
  response: null,
  durationMs: null,
  lastError: null,
  taskRunId: null,
};

@Injectable()
export class StepEngine {
  private readonly logger = new Logger(StepEngine.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly store: StepStore,
    private readonly vault: CredentialVault,
    private readonly subscriptionCredentials: SubscriptionCredentials,
    private readonly http: ChainHttpClient,
    private readonly scheduler: ChainStepScheduler,
    private readonly taskSteps: TaskStepRunner,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async attempt(job: ChainStepJob, options: AttemptOptions = {}): Promise<StepAttemptOutcome> {
    const claim = await this.store.claim(job.tenant_id, job.step_run_id, job.attempt, this.config.CHAIN_LEASE_SECONDS);
    if (!claim) return { outcome: 'not_claimed' };
    const secrets: string[] = [];
    try {
      return await this.run(claim, secrets, options);
    } catch (err) {
      // The database away is not the step's failure: the job fails (logged once per outage) and the step runs again
      // once its lease expires, as after a worker crash.
      if (isDatabaseUnavailable(err)) throw err;
      const message = credentialScrubber(secrets).text(errorMessage(err));
      this.logger.error(
        { step_run_id: claim.id, err: message },
        'chain step attempt failed unexpectedly; recording it as a failed attempt',
      );
      // If even this record fails (the database is down), the job fails and the reconciler retries after the lease.
      return this.finish(
        claim,
        'failed',
        { ...NO_EXCHANGE, lastError: `internal error while running the step: ${message}` },
        secrets,
        options,
      );
    }
  }

  /** `secrets` receives the credential values opened, so that whatever is recorded can be scrubbed of them. */
  private async run(claim: ClaimedStep, secrets: string[], options: AttemptOptions): Promise<StepAttemptOutcome> {
    const attempts = claim.attempt - claim.attempt_base;
    if (attempts > attemptsAllowed(claim.step) + MAX_LOST_ATTEMPTS) {
      const lastError = `gave up: ${attempts - 1} attempts of this step were started without a recorded result (a worker stopped or failed while running it)`;
      return this.finish(claim, 'failed', { ...NO_EXCHANGE, lastError }, secrets, options);
    }
    const sub = claim.subscription;
    let rendered: RenderedStep;
    try {
      const input = {
        run: { id: claim.run_id, ...claim.run },
        triggerData: claim.run.trigger_data,
        steps: claim.finished.filter((f) => f.kind === 'step'),
        now: this.clock.now(),
      };
      // The condition first: a skipped step opens no credential (and is not failed by one its target may not get).
      const evaluated = evaluateStep(claim.step, input);
      if (evaluated.skipped) rendered = evaluated;
      else {
        // Refused (CredentialHostError) before any value is opened when one may not go to the subscription's host.
        // A task step has no credentials of its own (refused when saved: its instance holds them).
        const credentials = sub
          ? await this.vault.open(claim.tenant_id, stepPlan(claim.step).credentials, sub.target_url)
          : {};
        secrets.push(...Object.values(credentials));
        rendered = fillStep(claim.step, evaluated, credentials);
      }
    } catch (err) {
      // A credential the target's host may not receive; a template that reads a missing value, a condition that is
      // not a boolean, a missing credential, the evaluation budget spent, a value that cannot be sent or stored.
      const lastError =
        err instanceof CredentialHostError ? err.message : `could not render the step: ${errorMessage(err)}`;
      return this.finish(claim, 'failed', { ...NO_EXCHANGE, lastError }, secrets, options);
    }
    if (rendered.skipped) return this.finish(claim, 'skipped', NO_EXCHANGE, secrets, options);
    if (claim.step.step_type === 'task') {
      const task = await this.whileLeased(claim, () => this.taskSteps.run(claim, rendered.body));
      const outcome = await this.finish(claim, task.ok ? 'sent' : 'failed', task.fields, secrets, options);
      return {
        ...outcome,
        durationMs: task.fields.durationMs ?? undefined,
        statusCode: task.fields.responseCode ?? undefined,
      };
    }
    const recorded = { ...NO_EXCHANGE, requestPayload: rendered.maskedBody, requestHeaders: rendered.maskedHeaders };
    if (!sub)
      return this.finish(claim, 'failed', { ...recorded, lastError: 'the step has no subscription' }, secrets, options);
    if (!sub.is_active || sub.deleted_at) {
      return this.finish(
        claim,
        'failed',
        { ...recorded, lastError: `subscription ${sub.id} is disabled or deleted` },
        secrets,
        options,
      );
    }
    let request;
    try {
      request = buildStepRequest({
        stepRunId: claim.id,
        runId: claim.run_id,
        stepOrder: claim.step_order,
        kind: claim.kind,
        tenantId: claim.tenant_id,
        eventName: claim.run.trigger_event,
        runCreatedAt: claim.run.created_at,
        body: rendered.body,
        headers: rendered.headers,
        maskedHeaders: rendered.maskedHeaders,
        subscription: sub,
        credentials: await this.subscriptionCredentials.open(sub),
        now: this.clock.now(),
      });
    } catch (err) {
      this.logger.error(
        { step_run_id: claim.id, err: credentialScrubber(secrets).text(errorMessage(err)) },
        'could not sign the step request',
      );
      return this.finish(
        claim,
        'failed',
        { ...recorded, lastError: `could not sign the request: ${errorMessage(err)}` },
        secrets,
        options,
      );
    }
    const result = await this.http.send({
      url: sub.target_url,
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    const hasBody = result.statusCode !== undefined;
    const fields: AttemptFields = {
      requestPayload: rendered.maskedBody,
      requestHeaders: request.recordedHeaders,
      responseCode: result.statusCode ?? null,
      responseBody: hasBody ? result.body : null,
      response: hasBody ? parseResponse(result.body, result.truncated) : null,
      durationMs: result.durationMs,
      taskRunId: null,
      lastError: result.ok
        ? null
        : result.statusCode !== undefined
          ? `HTTP ${result.statusCode}`
          : `${result.errorClass ?? 'network'}: ${result.errorMessage ?? 'request failed'}`,
    };
    const outcome = await this.finish(claim, result.ok ? 'sent' : 'failed', fields, secrets, options);
    return { ...outcome, durationMs: result.durationMs, statusCode: result.statusCode };
  }

  /**
   * Runs fn while renewing the claim's lease (every third of it), so a task that runs longer than a lease is not taken
   * over and run again by another worker. A lost lease is left to the record, which then changes nothing.
   */
  private async whileLeased<T>(claim: ClaimedStep, fn: () => Promise<T>): Promise<T> {
    const seconds = this.config.CHAIN_LEASE_SECONDS;
    let renewing: Promise<void> = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = renewing
          .then(async () => {
            const token = await this.store.renewLease(claim, seconds);
            if (token) claim.lease_token = token;
          })
          .catch((err: unknown) =>
            this.logger.warn({ step_run_id: claim.id, err: errorMessage(err) }, 'could not renew a chain step lease'),
          );
      },
      (seconds * 1000) / 3,
    );
    try {
      return await fn();
    } finally {
      clearInterval(timer);
      // The record is fenced by the token: wait for a renewal in flight to settle it.
      await renewing;
    }
  }

  /** Records the attempt together with what follows from it (one statement), then queues the next job. */
  private async finish(
    claim: ClaimedStep,
    outcome: AttemptOutcome,
    fields: AttemptFields,
    secrets: readonly string[],
    options: AttemptOptions,
  ): Promise<StepAttemptOutcome> {
    const clean = storable(fields, credentialScrubber(secrets));
    const forward = claim.finished.filter((f) => f.kind === 'step');
    const succeeded = new Set(forward.filter((f) => f.status === 'sent').map((f) => f.name));
    if (claim.kind === 'step' && outcome === 'sent') succeeded.add(claim.name);
    const decision = decide({
      kind: claim.kind,
      stepOrder: claim.step_order,
      outcome,
      attemptsInRound: claim.attempt - claim.attempt_base,
      policy: claim.step,
      definition: claim.definition,
      succeeded,
      compensationPlan: claim.compensation_plan,
      compensationFailedBefore: claim.finished.some((f) => f.kind === 'compensation' && f.status === 'failed'),
    });
    const status = decision.type === 'retry' ? 'pending' : outcome;
    const retryInMs = decision.type === 'retry' ? decision.delayMs : null;
    const advance = this.advance(claim, decision, clean.lastError);
    const recorded = await this.store.record(claim, { ...clean, status, retryInMs }, advance);
    if (!recorded) return { outcome: 'lease_lost' };
    // Committed: queue what is due now. A lost enqueue is found by the reconciler.
    const queued =
      decision.type === 'retry'
        ? { stepRunId: claim.id, attempt: claim.attempt + 1, delayMs: decision.delayMs }
        : recorded.next && advance.next && advance.run.status !== 'paused'
          ? {
              stepRunId: recorded.next.id,
              attempt: recorded.next.attempt_count + 1,
              delayMs: advance.next.step.delay_seconds * 1000,
            }
          : null;
    const result: StepAttemptOutcome = {
      outcome: decision.type === 'retry' ? 'retrying' : outcome,
      decision: decision.type,
    };
    if (queued && options.continueInline && decision.type !== 'retry' && queued.delayMs === 0) {
      return {
        ...result,
        next: {
          tenant_id: claim.tenant_id,
          run_id: claim.run_id,
          step_run_id: queued.stepRunId,
          attempt: queued.attempt,
        },
      };
    }
    if (queued) {
      await this.scheduler
        .enqueue([{ tenantId: claim.tenant_id, runId: claim.run_id, ...queued }])
        .catch((err: unknown) =>
          this.logger.warn(
            { step_run_id: queued.stepRunId, err: (err as Error).message },
            'could not queue the next chain step; the reconciler will',
          ),
        );
    }
    return result;
  }

  /** The run changes and the next step run a decision leads to. */
  private advance(claim: ClaimedStep, decision: Decision, lastError: string | null): RunAdvance {
    const unchanged: RunAdvance['run'] = {
      status: null,
      current_step: null,
      failed_step: null,
      last_error: null,
      compensation_status: null,
      compensation_plan: null,
      completed: false,
    };
    const next = (step: StepSummary) => ({ id: this.ids.next(), step });
    switch (decision.type) {
      case 'retry':
        return { next: null, run: unchanged };
      case 'next':
        return {
          next: next(decision.step),
          run: { ...unchanged, current_step: decision.step.step_order, status: decision.pause ? 'paused' : null },
        };
      case 'complete':
        return { next: null, run: { ...unchanged, status: 'completed', completed: true } };
      case 'fail': {
        const [first] = decision.compensation;
        return {
          next: first ? next(first) : null,
          run: {
            ...unchanged,
            status: 'failed',
            failed_step: claim.step_order,
            last_error: `Step ${claim.step_order} ("${claim.name}"): ${lastError ?? 'failed'}`,
            completed: true,
            ...(first
              ? { compensation_status: 'running', compensation_plan: decision.compensation.map((s) => s.step_order) }
              : {}),
          },
        };
      }
      case 'compensate':
        return { next: next(decision.step), run: unchanged };
      case 'compensation_done':
        return { next: null, run: { ...unchanged, compensation_status: decision.status } };
      default:
        return unreachable(decision, 'decision');
    }
  }
}

/** The attempts a step makes in a round when each one fails: the first and its retries. */
function attemptsAllowed(step: StepDetail): number {
  return step.on_failure_action === 'retry' ? step.max_retries + 1 : 1;
}

/**
 * JSON when it parses into something storable (later steps read its fields), else the text itself: a body that is not
 * JSON, a truncated one, or JSON PostgreSQL cannot hold as jsonb or that is too deep to walk (NUL or unpaired
 * surrogate escapes, numbers beyond double range, nesting over 64 levels).
 */
function parseResponse(body: string, truncated: boolean): unknown {
  if (body === '') return null;
  if (!truncated) {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (findInputProblem(parsed) === null) return parsed;
    } catch {
      // not JSON: the text
    }
  }
  return body;
}

/**
 * The attempt as it can be stored: credential values masked, text PostgreSQL cannot hold replaced, errors bounded.
 * The parsed response was checked by parseResponse (masking only puts [REDACTED] in place of whole values); a request
 * payload that jsonb cannot hold is not stored (renderStep refuses those before sending).
 */
function storable(fields: AttemptFields, scrubber: CredentialScrubber): AttemptFields {
  const payload = scrubber.json(fields.requestPayload);
  const text = (value: string | null): string | null => (value === null ? null : storableText(scrubber.text(value)));
  const error = fields.lastError === null ? null : scrubber.text(fields.lastError);
  return {
    requestPayload: findInputProblem(payload) === null ? payload : null,
    requestHeaders:
      fields.requestHeaders === null
        ? null
        : Object.fromEntries(
            Object.entries(scrubber.json(fields.requestHeaders)).map(([k, v]) => [storableText(k), storableText(v)]),
          ),
    responseCode: fields.responseCode,
    responseBody: text(fields.responseBody),
    response: typeof fields.response === 'string' ? text(fields.response) : scrubber.json(fields.response),
    durationMs: fields.durationMs,
    taskRunId: fields.taskRunId,
    lastError:
      error === null
        ? null
        : storableText(error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH)}…` : error),
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
