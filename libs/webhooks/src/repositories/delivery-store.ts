// All SQL of the delivery engine. The hot path runs in single round trips through TenantRoundTrip: claims and success
// records of concurrent attempts are batched per tenant into one prepared statement each (planned once per
// connection); releases and cancels are one statement. Recording a failure takes several statements and runs in the
// engine's tenant transaction (TenantContext.runInTenant). Row-level security applies to every row either way.
import { Injectable } from '@nestjs/common';
import { SqlValue, TenantContext, TenantRoundTrip } from '@conduit/database';
import { ConduitConfig, InjectConfig, InvariantError, TenantId, storableText } from '@conduit/platform';
import { CLAIM_BATCH, RECORD_DELIVERED_BATCH, RECORD_FAILURE_SQL } from './delivery-sql';
import { TenantBatcher } from './tenant-batcher';
import type { CircuitState, PayloadFormat, SubscriptionType } from '../entities/subscription.entity';
import type { SealedSubscription } from '../delivery/subscription-credentials';

/** A delivery this worker holds a lease on, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  tenant_id: TenantId;
  event_id: string;
  subscription_id: string;
  attempt: number;
  next_attempt_at: Date | null;
  /** The lease's expiry as PostgreSQL prints it: exact, so it fences later writes against a reclaim. */
  lease_token: string;
  db_now: Date;
  event: { name: string; source: string; payload: unknown; created_at: Date };
  subscription: ClaimedSubscription;
}

export interface ClaimedSubscription extends SealedSubscription {
  app_name: string;
  target_url: string;
  type: SubscriptionType;
  payload_format: PayloadFormat;
  retry_schedule: number[];
  rate_limit_per_second: number | null;
  is_active: boolean;
  deleted_at: Date | null;
  circuit_state: CircuitState;
  circuit_opened_at: Date | null;
  consecutive_failures: number;
  failing_since: Date | null;
}

export interface AttemptRecord {
  id: string;
  statusCode: number | null;
  durationMs: number;
  errorClass: string | null;
  errorMessage: string | null;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  responseTruncated: boolean;
}

export type DeliveryResult = { status: 'delivered' } | { status: 'pending'; retryInMs: number } | { status: 'failed' };

export interface SubscriptionHealth {
  consecutive_failures: number;
  circuit_state: CircuitState;
  is_active: boolean;
  /** failing_since is older than the disable period. */
  failing_too_long: boolean;
}

interface ClaimRow {
  idx: number;
  id: string;
  tenant_id: TenantId;
  event_id: string;
  subscription_id: string;
  attempt_count: number;
  next_attempt_at: Date | null;
  lease_token: string;
  db_now: Date;
  event_name: string;
  event_source: string;
  event_payload: unknown;
  event_created_at: Date;
  s_updated_at: Date;
}

// Large enough to amortise a statement, small enough to keep one statement's row locks and size modest.
const MAX_BATCH = 100;

@Injectable()
export class DeliveryStore {
  private readonly claims = new TenantBatcher<ClaimRequest, ClaimedDelivery | null>(
    (t, items) => this.claimMany(t, items),
    MAX_BATCH,
  );
  private readonly deliveredRecords = new TenantBatcher<DeliveredRecord, boolean>(
    (t, items) => this.recordDeliveredMany(t, items),
    MAX_BATCH,
  );

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly trip: TenantRoundTrip,
  ) {}

  /** Takes the lease on attempt `attempt` of a delivery that is pending, or whose holder's lease ran out; else null. */
  claim(tenantId: TenantId, deliveryId: string, attempt: number): Promise<ClaimedDelivery | null> {
    return this.claims.submit(tenantId, { deliveryId, attempt });
  }

  /** Records a successful attempt; false when the lease was lost (another worker reclaimed the row). */
  recordDelivered(d: ClaimedDelivery, attempt: AttemptRecord): Promise<boolean> {
    return this.deliveredRecords.submit(d.tenant_id, { d, attempt });
  }

  /** Gives the lease back without counting an attempt; the same attempt is due again after delayMs. */
  async release(d: ClaimedDelivery, delayMs: number): Promise<boolean> {
    return this.updateLeased(
      d,
      `status = 'pending', lease_expires_at = NULL, next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)`,
      [delayMs],
    );
  }

  async cancel(d: ClaimedDelivery, reason: string): Promise<boolean> {
    return this.updateLeased(
      d,
      `status = 'cancelled', lease_expires_at = NULL, next_attempt_at = NULL, last_error = $4::text`,
      [reason],
    );
  }

  /**
   * Inside the caller's tenant transaction: records a failed attempt and the delivery's new state; false when the lease
   * was lost.
   */
  async recordFailure(
    d: ClaimedDelivery,
    result: Exclude<DeliveryResult, { status: 'delivered' }>,
    attempt: AttemptRecord,
  ): Promise<boolean> {
    const rows = (await this.db.em.query(RECORD_FAILURE_SQL, [
      d.id,
      d.tenant_id,
      d.attempt,
      result.status,
      result.status === 'pending' ? result.retryInMs : 0,
      d.lease_token,
      attempt.statusCode,
      attempt.durationMs,
      attempt.errorClass,
      clean(attempt.errorMessage),
      attempt.id,
      JSON.stringify(cleanRecord(attempt.requestHeaders)),
      JSON.stringify(cleanRecord(attempt.responseHeaders)),
      clean(attempt.responseBody),
      attempt.responseTruncated,
    ])) as { recorded: number }[];
    return (rows[0]?.recorded ?? 0) > 0;
  }

  /** One more consecutive failure: opens the circuit at the threshold, or again when a half-open probe failed. */
  async countFailure(
    subscriptionId: string,
    threshold: number,
    disableAfterSeconds: number,
  ): Promise<SubscriptionHealth> {
    const rows = (await this.db.em.query(
      `UPDATE webhook_subscriptions
          SET consecutive_failures = consecutive_failures + 1,
              failing_since = coalesce(failing_since, now()),
              circuit_opened_at = CASE WHEN circuit_state <> 'open' AND (circuit_state = 'half_open' OR consecutive_failures + 1 >= $2)
                                       THEN now() ELSE circuit_opened_at END,
              circuit_state = CASE WHEN circuit_state = 'half_open' OR consecutive_failures + 1 >= $2 THEN 'open' ELSE circuit_state END
        WHERE id = $1
      RETURNING consecutive_failures, circuit_state, is_active,
                coalesce(failing_since < now() - make_interval(secs => $3), false) AS failing_too_long`,
      [subscriptionId, threshold, disableAfterSeconds],
    )) as [SubscriptionHealth[], number];
    const health = rows[0][0];
    if (!health)
      throw new InvariantError(
        'subscription_vanished',
        `subscription ${subscriptionId} vanished while recording a failure`,
      );
    return health;
  }

  /** Disables a subscription that is still active; true only for the caller that disabled it. */
  async disable(subscriptionId: string, reason: string): Promise<boolean> {
    const rows = (await this.db.em.query(
      `UPDATE webhook_subscriptions SET is_active = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
        WHERE id = $1 AND is_active RETURNING id`,
      [subscriptionId, reason],
    )) as [unknown[], number];
    return rows[0].length > 0;
  }

  /**
   * After the cooldown, one caller moves the circuit to half-open and sends the probe; a probe that never reported
   * back (its worker died) is replaced after a lease.
   */
  async startProbe(
    tenantId: TenantId,
    subscriptionId: string,
    cooldownSeconds: number,
    leaseSeconds: number,
  ): Promise<boolean> {
    const rows = await this.trip.query<{ id: string }>(
      tenantId,
      `UPDATE webhook_subscriptions SET circuit_state = 'half_open', circuit_opened_at = now()
        WHERE id = $1::uuid AND ((circuit_state = 'open' AND circuit_opened_at <= now() - make_interval(secs => $2::int))
                              OR (circuit_state = 'half_open' AND circuit_opened_at <= now() - make_interval(secs => $3::int)))
        RETURNING id`,
      [subscriptionId, cooldownSeconds, leaseSeconds],
      { durable: true },
    );
    return rows.length > 0;
  }

  private async claimMany(tenantId: TenantId, requests: ClaimRequest[]): Promise<(ClaimedDelivery | null)[]> {
    const input = requests.map((r, idx) => ({ idx, id: r.deliveryId, attempt: r.attempt }));
    const rows = await this.trip.execute<ClaimRow & ClaimedSubscription>(
      tenantId,
      CLAIM_BATCH,
      [JSON.stringify(input), this.config.WEBHOOK_LEASE_SECONDS, tenantId],
      { durable: false },
    );
    // Two identical requests in one batch update the row once: the first caller gets it, the other nothing.
    const out: (ClaimedDelivery | null)[] = requests.map(() => null);
    for (const row of rows) out[row.idx] = toClaimed(row);
    return out;
  }

  private async recordDeliveredMany(tenantId: TenantId, records: DeliveredRecord[]): Promise<boolean[]> {
    const input = records.map(({ d, attempt }, idx) => ({
      idx,
      id: d.id,
      attempt: d.attempt,
      lease: d.lease_token,
      attempt_id: attempt.id,
      subscription_id: d.subscription_id,
      status_code: attempt.statusCode,
      duration_ms: attempt.durationMs,
      error_message: clean(attempt.errorMessage),
      request_headers: cleanRecord(attempt.requestHeaders),
      response_headers: cleanRecord(attempt.responseHeaders),
      response_body: clean(attempt.responseBody),
      response_truncated: attempt.responseTruncated,
    }));
    const rows = await this.trip.execute<{ idx: number }>(
      tenantId,
      RECORD_DELIVERED_BATCH,
      [JSON.stringify(input), tenantId],
      { durable: false },
    );
    const written = new Set(rows.map((r) => r.idx));
    return records.map((_, idx) => written.has(idx));
  }

  private async updateLeased(d: ClaimedDelivery, set: string, values: SqlValue[]): Promise<boolean> {
    const rows = await this.trip.query<{ id: string }>(
      d.tenant_id,
      `UPDATE webhook_deliveries SET ${set}, updated_at = now()
        WHERE id = $1::uuid AND tenant_id = $2::uuid AND status = 'delivering' AND lease_expires_at = $3::timestamptz RETURNING id`,
      [d.id, d.tenant_id, d.lease_token, ...values],
      { durable: false },
    );
    return rows.length > 0;
  }
}

interface ClaimRequest {
  deliveryId: string;
  attempt: number;
}

interface DeliveredRecord {
  d: ClaimedDelivery;
  attempt: AttemptRecord;
}

function toClaimed(row: ClaimRow & ClaimedSubscription): ClaimedDelivery {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    event_id: row.event_id,
    subscription_id: row.subscription_id,
    attempt: row.attempt_count + 1,
    next_attempt_at: row.next_attempt_at,
    lease_token: row.lease_token,
    db_now: row.db_now,
    event: {
      name: row.event_name,
      source: row.event_source,
      payload: row.event_payload,
      created_at: row.event_created_at,
    },
    subscription: {
      id: row.subscription_id,
      tenant_id: row.tenant_id,
      updated_at: row.s_updated_at,
      app_name: row.app_name,
      target_url: row.target_url,
      type: row.type,
      payload_format: row.payload_format,
      headers_sealed: row.headers_sealed,
      secret_sealed: row.secret_sealed,
      previous_secret_sealed: row.previous_secret_sealed,
      previous_secret_expires_at: row.previous_secret_expires_at,
      retry_schedule: row.retry_schedule,
      rate_limit_per_second: row.rate_limit_per_second,
      is_active: row.is_active,
      deleted_at: row.deleted_at,
      circuit_state: row.circuit_state,
      circuit_opened_at: row.circuit_opened_at,
      consecutive_failures: row.consecutive_failures,
      failing_since: row.failing_since,
    },
  };
}

// PostgreSQL text and jsonb cannot hold NUL, which a receiver's response may contain: the same rule as every other
// stored text (storableText: U+FFFD in its place, so the record shows where something was).
function clean(value: string | null): string | null {
  return value === null ? null : storableText(value);
}

function cleanRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [clean(k) ?? '', clean(v) ?? '']));
}
