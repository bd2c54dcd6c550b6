// One attempt of one delivery: claim the row, check the endpoint's health, send the signed request, record what
// happened. Rows are the truth and a job only says "look at this row now", so a stale or duplicate job claims nothing.
import { OPERATIONAL_SOURCE } from '../operational-source';
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import { CodedError, ConduitConfig, InjectConfig } from '@conduit/platform';
import type { OutboundResult } from '@conduit/outbound-http';
import { DeliveryScheduler } from '../delivery-scheduler';
import { EventsService } from '../events.service';
import { DeliverySender } from './delivery-sender';
import { AttemptRecord, ClaimedDelivery, DeliveryResult, DeliveryStore } from '../repositories/delivery-store';
import { nextRetry } from './retry-policy';
import { SubscriptionRateLimiter } from './subscription-rate-limiter';
import type { DeliveryAttempt } from '../delivery-job';

type FailedResult = Exclude<DeliveryResult, { status: 'delivered' }>;

export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'cancelled' | 'skipped' | 'deferred';

export interface AttemptOutcome {
  outcome: DeliveryOutcome;
  /** deferred: the same attempt is due again after this long (circuit open, rate limited). */
  retryInMs?: number;
  /** How long after its due time the attempt started. */
  lagMs?: number;
  /** The HTTP exchange, when one happened. */
  durationMs?: number;
  statusCode?: number;
  errorClass?: string;
}

/** Operational events the engine publishes into the tenant's own stream (under OPERATIONAL_SOURCE). */
export const ENDPOINT_DISABLED = 'endpoint.disabled';
export const ATTEMPTS_EXHAUSTED = 'message.attempt.exhausted';

// While another worker's half-open probe is in flight, look again this soon.
const PROBE_IN_FLIGHT_RECHECK_MS = 1000;

/** Another worker took the delivery over (this one's lease ran out): stop without recording anything. */
class LeaseLost extends CodedError<'lease_lost'> {
  readonly code = 'lease_lost';

  constructor() {
    super('the delivery lease was lost to another worker');
  }
}

@Injectable()
export class DeliveryEngine {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly store: DeliveryStore,
    private readonly sender: DeliverySender,
    private readonly rateLimiter: SubscriptionRateLimiter,
    private readonly scheduler: DeliveryScheduler,
    private readonly events: EventsService,
  ) {}

  /**
   * Runs attempt `job.attempt`. A 'deferred' outcome has released the row back to pending; the caller re-queues the
   * same attempt after retryInMs (the queue processor delays its job; the reconciler would find the row anyway).
   */
  async attempt(job: DeliveryAttempt): Promise<AttemptOutcome> {
    const tenantId = job.tenant_id;
    const claimed = await this.store.claim(tenantId, job.delivery_id, job.attempt);
    if (!claimed) return { outcome: 'skipped' };
    const lagMs = claimed.next_attempt_at
      ? Math.max(0, claimed.db_now.getTime() - claimed.next_attempt_at.getTime())
      : 0;
    const held = await this.hold(claimed);
    if (held) return { ...held, lagMs };
    return { ...(await this.send(claimed)), lagMs };
  }

  /** Reasons not to send now: the subscription is gone, its circuit is open, or it is over its rate. */
  private async hold(d: ClaimedDelivery): Promise<AttemptOutcome | null> {
    const sub = d.subscription;
    if (!sub.is_active || sub.deleted_at) {
      await this.store.cancel(d, 'subscription_disabled');
      return { outcome: 'cancelled' };
    }
    if (sub.circuit_state !== 'closed') {
      const cooldownMs = this.config.WEBHOOK_CIRCUIT_COOLDOWN_SECONDS * 1000;
      const openedAt = (sub.circuit_opened_at ?? d.db_now).getTime();
      const waitMs = openedAt + cooldownMs - d.db_now.getTime();
      if (sub.circuit_state === 'open' && waitMs > 0) return this.defer(d, waitMs);
      const probing = await this.store.startProbe(
        d.tenant_id,
        sub.id,
        this.config.WEBHOOK_CIRCUIT_COOLDOWN_SECONDS,
        this.config.WEBHOOK_LEASE_SECONDS,
      );
      // This attempt is the probe; everyone else waits for its verdict.
      if (!probing) return this.defer(d, Math.min(cooldownMs, PROBE_IN_FLIGHT_RECHECK_MS));
    }
    if (sub.rate_limit_per_second) {
      const rate = await this.rateLimiter.take(sub.id, sub.rate_limit_per_second);
      if (!rate.allowed) return this.defer(d, rate.retryInMs);
    }
    return null;
  }

  private async defer(d: ClaimedDelivery, delayMs: number): Promise<AttemptOutcome> {
    const retryInMs = Math.max(0, Math.ceil(delayMs));
    await this.store.release(d, retryInMs);
    return { outcome: 'deferred', retryInMs };
  }

  private async send(d: ClaimedDelivery): Promise<AttemptOutcome> {
    const { delivered, result, attempt } = await this.sender.send(d);
    if (!delivered) return this.recordFailure(d, result, attempt);
    const recorded = await this.store.recordDelivered(d, attempt);
    return {
      outcome: recorded ? 'delivered' : 'skipped',
      durationMs: result.durationMs,
      statusCode: result.statusCode,
    };
  }

  private async recordFailure(
    d: ClaimedDelivery,
    result: OutboundResult,
    attempt: AttemptRecord,
  ): Promise<AttemptOutcome> {
    const sub = d.subscription;
    const tenantId = d.tenant_id;
    const base = {
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      errorClass: attempt.errorClass ?? undefined,
    };
    try {
      return await this.db.runInTenant(tenantId, async () => {
        const health = await this.store.countFailure(
          sub.id,
          this.config.WEBHOOK_CIRCUIT_FAILURE_THRESHOLD,
          this.config.WEBHOOK_DISABLE_AFTER_SECONDS,
        );
        const disabledReason = result.statusCode === 410 ? 'gone' : health.failing_too_long ? 'failing' : null;
        const disabledNow = disabledReason ? await this.store.disable(sub.id, disabledReason) : false;
        const retry = disabledReason ? null : nextRetry(sub.retry_schedule, d.attempt, result.retryAfterSeconds);
        const next = retry?.nextAttempt ?? null;
        const state: FailedResult =
          next && retry ? { status: 'pending', retryInMs: retry.delayMs } : { status: 'failed' };
        // Lost the lease (another worker reclaimed the row): roll this back, the holder records its own attempt.
        if (!(await this.store.recordFailure(d, state, attempt))) throw new LeaseLost();

        if (next && retry) {
          this.db.afterCommit(() =>
            this.scheduler.enqueue([{ tenantId, deliveryId: d.id, attempt: next, delayMs: retry.delayMs }]),
          );
        }
        // An endpoint is disabled once, so its endpoint.disabled event is always published, whatever the failing
        // delivery carried: it cannot feed back into itself (a disabled endpoint gets nothing more).
        if (disabledNow) await this.publishEndpointDisabled(d, disabledReason ?? 'failing', attempt);
        // An exhausted event about a delivery of an exhausted event would feed back into itself; and a delivery is
        // exhausted once, when its schedule runs out: a failed manual retry (an attempt beyond the schedule) is
        // recorded on the delivery, not announced again.
        const scheduleRanOut =
          state.status === 'failed' && !disabledReason && d.attempt <= Math.max(1, sub.retry_schedule.length);
        if (scheduleRanOut && d.event.source !== OPERATIONAL_SOURCE) await this.publishExhausted(d, attempt);
        return { ...base, outcome: state.status === 'pending' ? 'retrying' : 'failed' } satisfies AttemptOutcome;
      });
    } catch (err) {
      if (err instanceof LeaseLost) return { ...base, outcome: 'skipped' };
      throw err;
    }
  }

  private async publishEndpointDisabled(d: ClaimedDelivery, reason: string, attempt: AttemptRecord): Promise<void> {
    const sub = d.subscription;
    await this.events.publishInTenant(d.tenant_id, {
      event_name: ENDPOINT_DISABLED,
      source: OPERATIONAL_SOURCE,
      payload: {
        subscription_id: sub.id,
        app_name: sub.app_name,
        target_url: sub.target_url,
        reason,
        delivery_id: d.id,
        event_id: d.event_id,
        last_status_code: attempt.statusCode,
        last_error_class: attempt.errorClass,
      },
    });
  }

  private async publishExhausted(d: ClaimedDelivery, attempt: AttemptRecord): Promise<void> {
    await this.events.publishInTenant(d.tenant_id, {
      event_name: ATTEMPTS_EXHAUSTED,
      source: OPERATIONAL_SOURCE,
      payload: {
        delivery_id: d.id,
        event_id: d.event_id,
        event_name: d.event.name,
        subscription_id: d.subscription_id,
        app_name: d.subscription.app_name,
        attempts: d.attempt,
        last_status_code: attempt.statusCode,
        last_error_class: attempt.errorClass,
      },
    });
  }
}
