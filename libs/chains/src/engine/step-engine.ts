// One attempt of one step: claim the step run, render its templates, check its condition, send the signed request,
// then record the result together with whatever follows (next step, retry, pause, end of run, compensation) in one
// transaction; jobs for what follows are queued after it commits. A job only says "look at this row now", so a stale
// or duplicate job claims nothing, and a step whose result was recorded is never sent again.
import { Injectable, Logger } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig } from '@conduit/platform';
import type { ChainStepJob } from '@conduit/queues';
import { SubscriptionCredentials } from '@conduit/webhooks';
import { credentialsUsed } from '../chain-definition';
import { ChainStepScheduler } from '../chain-step-scheduler';
import { buildRunContext, evaluateCondition, renderTemplates } from '../templates';
import { ChainHttpClient } from './chain-http-client';
import { CredentialVault, REDACTED, scrub } from './credential-vault';
import { AttemptOutcome, Decision, decide } from './step-decision';
import { buildStepRequest, headerText } from './step-request';
import { ClaimedStep, LockedRun, StepResultRecord, StepStore } from './step-store';

export type StepOutcome = 'sent' | 'failed' | 'retrying' | 'skipped' | 'not_claimed' | 'lease_lost';

export interface StepAttemptOutcome {
  outcome: StepOutcome;
  /** The HTTP exchange, when one happened. */
  durationMs?: number;
  statusCode?: number;
  /** What the attempt led to (next, retry, complete, fail, ...). */
  decision?: Decision['type'];
}

type AttemptFields = Omit<StepResultRecord, 'status' | 'retryInMs'>;

const NO_EXCHANGE: AttemptFields = {
  requestPayload: null,
  requestHeaders: null,
  responseCode: null,
  responseBody: null,
  response: null,
  durationMs: null,
  lastError: null,
};

class LeaseLost extends Error {}

@Injectable()
export class StepEngine {
  private readonly logger = new Logger(StepEngine.name);

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly store: StepStore,
    private readonly vault: CredentialVault,
    private readonly subscriptionCredentials: SubscriptionCredentials,
    private readonly http: ChainHttpClient,
    private readonly scheduler: ChainStepScheduler,
    private readonly clock: Clock,
  ) {}

  async attempt(job: ChainStepJob): Promise<StepAttemptOutcome> {
    const claim = await this.store.claim(job.tenant_id, job.step_run_id, job.attempt, this.config.WEBHOOK_LEASE_SECONDS);
    if (!claim) return { outcome: 'not_claimed' };
    let secrets: string[] = [];
    let rendered: { body: unknown; maskedBody: unknown; headers: Record<string, string>; maskedHeaders: Record<string, string> };
    try {
      const credentials = await this.vault.open(claim.tenant_id, credentialsUsed(claim.step));
      secrets = Object.values(credentials);
      const input = {
        run: { id: claim.run_id, ...claim.run },
        triggerData: claim.run.trigger_data,
        steps: claim.finished.filter((f) => f.kind === 'step'),
        now: this.clock.now(),
      };
      const context = buildRunContext({ ...input, credentials });
      const masked = buildRunContext({ ...input, credentials: Object.fromEntries(Object.keys(credentials).map((k) => [k, REDACTED])) });
      if (claim.step.condition !== null && !evaluateCondition(claim.step.condition, context)) {
        return await this.finish(claim, 'skipped', { ...NO_EXCHANGE, lastError: null }, secrets);
      }
      rendered = {
        body: renderTemplates(claim.step.request_params ?? {}, context),
        maskedBody: renderTemplates(claim.step.request_params ?? {}, masked),
        headers: headerText(renderTemplates(claim.step.headers ?? {}, context)),
        maskedHeaders: headerText(renderTemplates(claim.step.headers ?? {}, masked)),
      };
    } catch (err) {
      // A template that reads a missing value, a condition that is not a boolean, a missing credential.
      return this.finish(claim, 'failed', { ...NO_EXCHANGE, lastError: `could not render the step: ${(err as Error).message}` }, secrets);
    }
    const sub = claim.subscription;
    const recorded = { ...NO_EXCHANGE, requestPayload: rendered.maskedBody, requestHeaders: rendered.maskedHeaders };
    if (!sub.is_active || sub.deleted_at) {
      return this.finish(claim, 'failed', { ...recorded, lastError: `subscription ${sub.id} is disabled or deleted` }, secrets);
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
      this.logger.error({ step_run_id: claim.id, err: scrub((err as Error).message, secrets) }, 'could not sign the step request');
      return this.finish(claim, 'failed', { ...recorded, lastError: `could not sign the request: ${(err as Error).message}` }, secrets);
    }
    const result = await this.http.send({ url: sub.target_url, method: 'POST', headers: request.headers, body: request.body });
    const hasBody = result.statusCode !== undefined;
    const fields: AttemptFields = {
      requestPayload: rendered.maskedBody,
      requestHeaders: request.recordedHeaders,
      responseCode: result.statusCode ?? null,
      responseBody: hasBody ? result.body : null,
      response: hasBody ? parseResponse(result.body, result.truncated) : null,
      durationMs: result.durationMs,
      lastError: result.ok ? null : result.statusCode !== undefined ? `HTTP ${result.statusCode}` : `${result.errorClass ?? 'network'}: ${result.errorMessage ?? 'request failed'}`,
    };
    const outcome = await this.finish(claim, result.ok ? 'sent' : 'failed', fields, secrets);
    return { ...outcome, durationMs: result.durationMs, statusCode: result.statusCode };
  }

  /** Records the attempt and applies what follows from it, atomically; the run's row lock serialises with the API. */
  private async finish(claim: ClaimedStep, outcome: AttemptOutcome, fields: AttemptFields, secrets: string[]): Promise<StepAttemptOutcome> {
    const clean = scrub(fields, secrets);
    const forward = claim.finished.filter((f) => f.kind === 'step');
    const succeeded = new Set(forward.filter((f) => f.status === 'sent').map((f) => f.name));
    if (claim.kind === 'step' && outcome === 'sent') succeeded.add(claim.name);
    try {
      return await this.db.runInTenant(claim.tenant_id, async () => {
        const run = await this.store.lockRun(claim.run_id);
        if (!run) throw new LeaseLost();
        const decision = decide({
          kind: claim.kind,
          stepOrder: claim.step_order,
          outcome,
          attemptsInRound: claim.attempt - claim.attempt_base,
          policy: claim.step,
          definition: claim.definition,
          succeeded,
          compensationPlan: run.compensation_plan,
          compensationFailedBefore: claim.finished.some((f) => f.kind === 'compensation' && f.status === 'failed'),
        });
        const status = decision.type === 'retry' ? 'pending' : outcome;
        const retryInMs = decision.type === 'retry' ? decision.delayMs : null;
        if (!(await this.store.finish(claim, { ...clean, status, retryInMs }))) throw new LeaseLost();
        await this.apply(claim, run, decision, clean.lastError);
        const reported: StepOutcome = decision.type === 'retry' ? 'retrying' : outcome;
        return { outcome: reported, decision: decision.type };
      });
    } catch (err) {
      if (err instanceof LeaseLost) return { outcome: 'lease_lost' };
      throw err;
    }
  }

  private async apply(claim: ClaimedStep, run: LockedRun, decision: Decision, lastError: string | null): Promise<void> {
    const tenantId = claim.tenant_id;
    const enqueue = (stepRunId: string, attempt: number, delayMs: number) =>
      this.db.afterCommit(() => this.scheduler.enqueue([{ tenantId, runId: claim.run_id, stepRunId, attempt, delayMs }]));
    switch (decision.type) {
      case 'retry':
        enqueue(claim.id, claim.attempt + 1, decision.delayMs);
        return;
      case 'next': {
        const next = await this.store.createNext(claim, decision.step);
        await this.store.updateRun(run.id, { current_step: decision.step.step_order, ...(decision.pause ? { status: 'paused' } : {}) });
        if (!decision.pause) enqueue(next.id, next.attempt_count + 1, decision.step.delay_seconds * 1000);
        return;
      }
      case 'complete':
        await this.store.updateRun(run.id, { status: 'completed', completed: true });
        return;
      case 'fail': {
        const [first] = decision.compensation;
        const label = `Step ${claim.step_order} ("${claim.name}")`;
        await this.store.updateRun(run.id, {
          status: 'failed',
          failed_step: claim.step_order,
          last_error: `${label}: ${lastError ?? 'failed'}`,
          completed: true,
          ...(first ? { compensation_status: 'running', compensation_plan: decision.compensation.map((s) => s.step_order) } : {}),
        });
        if (first) {
          const next = await this.store.createNext(claim, first);
          enqueue(next.id, next.attempt_count + 1, first.delay_seconds * 1000);
        }
        return;
      }
      case 'compensate': {
        const next = await this.store.createNext(claim, decision.step);
        enqueue(next.id, next.attempt_count + 1, decision.step.delay_seconds * 1000);
        return;
      }
      case 'compensation_done':
        await this.store.updateRun(run.id, { compensation_status: decision.status });
        return;
      default: {
        const exhaustive: never = decision;
        throw new Error(`unknown decision ${JSON.stringify(exhaustive)}`);
      }
    }
  }
}

/** JSON when it parses (later steps read its fields), else the text itself. */
function parseResponse(body: string, truncated: boolean): unknown {
  if (body === '') return null;
  if (!truncated) {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      // not JSON: the text
    }
  }
  return body;
}
