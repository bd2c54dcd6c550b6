// Runs one claimed check: the HTTP request (outside any transaction), then one tenant transaction that locks the
// monitor, stores the check once per slot, moves the monitor's state and publishes monitor.down / monitor.up. The
// state change and the event commit together, and a second write of the same slot (a retry) stores nothing and
// publishes nothing: each event goes out once.
import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, TenantId } from '@conduit/platform';
import { EventsService, OPERATIONAL_SOURCE } from '@conduit/webhooks';
import { MonitorEntity, MonitorStatus } from '../entities/monitor.entity';
import { statusExpected } from '../expected-status';
import { applyCheck } from '../monitor-state';
import { MonitorChecksRepository } from '../repositories/monitor-checks.repository';
import { ClaimedCheck, MonitorsRepository } from '../repositories/monitors.repository';
import { MonitorHttpClient } from './monitor-http-client';
import { MonitorMetrics } from './monitor-metrics';

/** What one check found. */
export interface CheckOutcome {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** The event's payload: the monitor as it is now and the check that changed it. */
export interface MonitorEventPayload {
  monitor_id: string;
  name: string;
  url: string;
  status: MonitorStatus;
  consecutive_failures: number;
  failure_threshold: number;
  check: { status: 'ok' | 'failed'; status_code: number | null; latency_ms: number; error: string | null };
  checked_at: string;
}

const RECORD_ATTEMPTS = 3;
const RECORD_RETRY_MS = 200;
const MAX_ERROR_LENGTH = 500;

@Injectable()
export class MonitorChecker {
  private readonly logger = new Logger(MonitorChecker.name);

  constructor(
    private readonly db: TenantContext,
    private readonly http: MonitorHttpClient,
    private readonly monitors: MonitorsRepository,
    private readonly checks: MonitorChecksRepository,
    private readonly events: EventsService,
    private readonly metrics: MonitorMetrics,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async check(claim: ClaimedCheck): Promise<void> {
    const outcome = await this.probe(claim);
    const checkedAt = this.clock.now();
    const checkId = this.ids.next();
    // The write is idempotent per slot, so a failed attempt (a lost connection, a deadlock) is simply tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        const status = await this.record(claim, outcome, checkId, checkedAt);
        if (status === 'gone') this.metrics.forget(claim.tenant_id, claim.id);
        else if (status)
          this.metrics.observe({
            tenantId: claim.tenant_id,
            monitorId: claim.id,
            intervalSeconds: claim.interval_seconds,
            ok: outcome.ok,
            latencyMs: outcome.latencyMs,
            checkedAt,
            status,
          });
        return;
      } catch (err) {
        if (attempt >= RECORD_ATTEMPTS) throw err;
        await sleep(RECORD_RETRY_MS * attempt);
      }
    }
  }

  /** The HTTP exchange, through the outbound client's address policy (a refused address fails with ssrf_blocked). */
  async probe(claim: Pick<ClaimedCheck, 'url' | 'method' | 'timeout_ms' | 'expected_status' | 'body_contains'>) {
    const result = await this.http.send({
      url: claim.url,
      method: claim.method,
      headers: { Accept: '*/*' },
      timeoutMs: claim.timeout_ms,
    });
    const statusCode = result.statusCode ?? null;
    let error: string | null = null;
    if (statusCode === null) {
      error = `${result.errorClass ?? 'network'}: ${result.errorMessage ?? 'no response'}`;
    } else if (result.errorClass && result.errorClass !== 'non_2xx') {
      // A response began but did not finish (timeout while reading, reset).
      error = `${result.errorClass}: ${result.errorMessage ?? ''}`;
    } else if (!statusExpected(claim.expected_status, statusCode)) {
      error = `unexpected status ${statusCode} (expected ${claim.expected_status})`;
    } else if (claim.body_contains !== null && !result.body.includes(claim.body_contains)) {
      error = result.truncated
        ? `body_contains not found in the first ${Buffer.byteLength(result.body)} bytes of the body`
        : 'body_contains not found in the body';
    }
    const outcome: CheckOutcome = {
      ok: error === null,
      statusCode,
      latencyMs: Math.max(0, Math.round(result.durationMs)),
      error: error === null ? null : error.slice(0, MAX_ERROR_LENGTH),
    };
    return outcome;
  }

  /**
   * Answers the monitor's state after the check, 'gone' when the monitor was deleted meanwhile, or null when the slot
   * was recorded already (nothing changes).
   */
  private record(
    claim: ClaimedCheck,
    outcome: CheckOutcome,
    checkId: string,
    checkedAt: Date,
  ): Promise<MonitorStatus | 'gone' | null> {
    const tenantId = claim.tenant_id;
    return this.db.runInTenant(tenantId, async () => {
      // The row lock orders the checks of one monitor: each reads the state the previous one left.
      const monitor = await this.monitors.lock(tenantId, claim.id);
      if (!monitor) return 'gone';
      const stored = await this.checks.insertOnce({
        id: checkId,
        tenant_id: tenantId,
        monitor_id: claim.id,
        scheduled_for: claim.slot,
        checked_at: checkedAt,
        status: outcome.ok ? 'ok' : 'failed',
        status_code: outcome.statusCode,
        latency_ms: outcome.latencyMs,
        error: outcome.error,
      });
      if (!stored) return null;
      // A check of an older slot that ended late is kept in the history but does not move the state back.
      if (monitor.last_slot && monitor.last_slot >= claim.slot) return monitor.status;
      const next = applyCheck(monitor, outcome.ok, monitor.failure_threshold);
      await this.monitors.update(tenantId, monitor.id, {
        status: next.status,
        consecutive_failures: next.consecutive_failures,
        last_checked_at: checkedAt,
        last_latency_ms: outcome.latencyMs,
        last_slot: claim.slot,
      });
      if (next.event) {
        await this.publish(tenantId, next.event, { ...monitor, ...next }, claim.slot, outcome, checkedAt);
        this.logger.log({ tenant_id: tenantId, monitor_id: monitor.id }, `${next.event} published`);
      }
      return next.status;
    });
  }

  private async publish(
    tenantId: TenantId,
    event: 'monitor.down' | 'monitor.up',
    monitor: MonitorEntity,
    slot: Date,
    outcome: CheckOutcome,
    checkedAt: Date,
  ): Promise<void> {
    const payload: MonitorEventPayload = {
      monitor_id: monitor.id,
      name: monitor.name,
      url: monitor.url,
      status: monitor.status,
      consecutive_failures: monitor.consecutive_failures,
      failure_threshold: monitor.failure_threshold,
      check: {
        status: outcome.ok ? 'ok' : 'failed',
        status_code: outcome.statusCode,
        latency_ms: outcome.latencyMs,
        error: outcome.error,
      },
      checked_at: checkedAt.toISOString(),
    };
    // In this transaction (runInTenant joins it): the event and its deliveries commit with the state change.
    await this.events.publishInTenant(tenantId, {
      event_name: event,
      source: OPERATIONAL_SOURCE,
      payload,
      idempotency_key: `${event}:${monitor.id}:${slot.toISOString()}`,
    });
  }
}
