// All SQL of the delivery engine. Each method is one statement and runs inside the caller's tenant transaction
// (TenantContext.runInTenant), so row-level security applies to every row it touches.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { CircuitState, PayloadFormat, SubscriptionType } from '../entities/subscription.entity';
import type { SealedSubscription } from './subscription-credentials';

/** A delivery this worker holds a lease on, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  tenant_id: string;
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

export type DeliveryResult =
  | { status: 'delivered' }
  | { status: 'pending'; retryInMs: number }
  | { status: 'failed' };

export interface SubscriptionHealth {
  consecutive_failures: number;
  circuit_state: CircuitState;
  is_active: boolean;
  /** failing_since is older than the disable period. */
  failing_too_long: boolean;
}

interface ClaimRow {
  id: string;
  tenant_id: string;
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

const CLAIM_SQL = `
  WITH claimed AS (
    UPDATE webhook_deliveries
       SET status = 'delivering', lease_expires_at = now() + make_interval(secs => $4), updated_at = now()
     WHERE id = $1 AND tenant_id = $2 AND attempt_count = $3 - 1
       AND (status = 'pending' OR (status = 'delivering' AND lease_expires_at < now()))
    RETURNING id, tenant_id, event_id, subscription_id, attempt_count, next_attempt_at, lease_expires_at
  )
  SELECT c.id, c.tenant_id, c.event_id, c.subscription_id, c.attempt_count, c.next_attempt_at,
         c.lease_expires_at::text AS lease_token, now() AS db_now,
         e.event_name, e.source AS event_source, e.payload AS event_payload, e.created_at AS event_created_at,
         s.app_name, s.target_url, s.type, s.payload_format, s.headers_sealed, s.secret_sealed, s.previous_secret_sealed,
         s.previous_secret_expires_at, s.retry_schedule, s.rate_limit_per_second, s.is_active, s.deleted_at,
         s.circuit_state, s.circuit_opened_at, s.consecutive_failures, s.failing_since, s.updated_at AS s_updated_at
    FROM claimed c
    JOIN webhook_events e ON e.id = c.event_id
    JOIN webhook_subscriptions s ON s.id = c.subscription_id`;

// Attempt rows are written only while the lease is still ours: a worker whose lease expired and was reclaimed
// must not overwrite what the new holder records.
const RECORD_SQL = `
  WITH d AS (
    UPDATE webhook_deliveries
       SET status = $4, attempt_count = $3, lease_expires_at = NULL, updated_at = now(),
           next_attempt_at = CASE WHEN $4 = 'pending' THEN now() + make_interval(secs => $5::double precision / 1000) END,
           delivered_at = CASE WHEN $4 = 'delivered' THEN now() ELSE delivered_at END,
           last_status_code = $7, last_error_class = $9, last_error = $10
     WHERE id = $1 AND tenant_id = $2 AND status = 'delivering' AND lease_expires_at = $6::timestamptz
    RETURNING id, tenant_id
  ), a AS (
    INSERT INTO webhook_delivery_attempts (id, tenant_id, delivery_id, attempt_number, status_code, duration_ms, error_class,
                                           error_message, request_headers, response_headers, response_body, response_truncated, created_at)
    SELECT $11, d.tenant_id, d.id, $3, $7, $8, $9, $10, $12::jsonb, $13::jsonb, $14, $15, now() FROM d
    RETURNING id
  ), s AS (
    UPDATE webhook_subscriptions
       SET consecutive_failures = 0, circuit_state = 'closed', circuit_opened_at = NULL, failing_since = NULL
     WHERE id = $16 AND $4 = 'delivered' AND EXISTS (SELECT 1 FROM d)
       AND (consecutive_failures > 0 OR circuit_state <> 'closed' OR failing_since IS NOT NULL)
    RETURNING id
  )
  SELECT (SELECT count(*) FROM a)::int AS recorded, (SELECT count(*) FROM s)::int AS healed`;

@Injectable()
export class DeliveryStore {
  constructor(private readonly db: TenantContext) {}

  /** Takes the lease on attempt `attempt` of a delivery that is pending, or whose holder's lease ran out; else null. */
  async claim(tenantId: string, deliveryId: string, attempt: number, leaseSeconds: number): Promise<ClaimedDelivery | null> {
    const rows = (await this.db.em.query(CLAIM_SQL, [deliveryId, tenantId, attempt, leaseSeconds])) as (ClaimRow & ClaimedSubscription)[];
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      tenant_id: row.tenant_id,
      event_id: row.event_id,
      subscription_id: row.subscription_id,
      attempt: row.attempt_count + 1,
      next_attempt_at: row.next_attempt_at,
      lease_token: row.lease_token,
      db_now: row.db_now,
      event: { name: row.event_name, source: row.event_source, payload: row.event_payload, created_at: row.event_created_at },
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

  /** Gives the lease back without counting an attempt; the same attempt is due again after delayMs. */
  async release(d: ClaimedDelivery, delayMs: number): Promise<boolean> {
    return this.updateLeased(
      d,
      `status = 'pending', lease_expires_at = NULL, next_attempt_at = now() + make_interval(secs => $4::double precision / 1000)`,
      [delayMs],
    );
  }

  async cancel(d: ClaimedDelivery, reason: string): Promise<boolean> {
    return this.updateLeased(d, `status = 'cancelled', lease_expires_at = NULL, next_attempt_at = NULL, last_error = $4`, [reason]);
  }

  /** Records the attempt and the delivery's new state (and heals the subscription on success); false when the lease was lost. */
  async record(d: ClaimedDelivery, result: DeliveryResult, attempt: AttemptRecord): Promise<boolean> {
    const retryInMs = result.status === 'pending' ? result.retryInMs : 0;
    const rows = (await this.db.em.query(RECORD_SQL, [
      d.id,
      d.tenant_id,
      d.attempt,
      result.status,
      retryInMs,
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
      d.subscription_id,
    ])) as { recorded: number }[];
    return (rows[0]?.recorded ?? 0) > 0;
  }

  /** One more consecutive failure: opens the circuit at the threshold, or again when a half-open probe failed. */
  async countFailure(subscriptionId: string, threshold: number, disableAfterSeconds: number): Promise<SubscriptionHealth> {
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
    if (!health) throw new Error(`subscription ${subscriptionId} vanished while recording a failure`);
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

  /** After the cooldown, one caller moves the circuit to half-open and sends the probe; a probe that never reported back (its worker died) is replaced after a lease. */
  async startProbe(subscriptionId: string, cooldownSeconds: number, leaseSeconds: number): Promise<boolean> {
    const rows = (await this.db.em.query(
      `UPDATE webhook_subscriptions SET circuit_state = 'half_open', circuit_opened_at = now()
        WHERE id = $1 AND ((circuit_state = 'open' AND circuit_opened_at <= now() - make_interval(secs => $2))
                        OR (circuit_state = 'half_open' AND circuit_opened_at <= now() - make_interval(secs => $3)))
        RETURNING id`,
      [subscriptionId, cooldownSeconds, leaseSeconds],
    )) as [unknown[], number];
    return rows[0].length > 0;
  }

  private async updateLeased(d: ClaimedDelivery, set: string, params: unknown[]): Promise<boolean> {
    const rows = (await this.db.em.query(
      `UPDATE webhook_deliveries SET ${set}, updated_at = now()
        WHERE id = $1 AND tenant_id = $2 AND status = 'delivering' AND lease_expires_at = $3::timestamptz RETURNING id`,
      [d.id, d.tenant_id, d.lease_token, ...params],
    )) as [unknown[], number];
    return rows[0].length > 0;
  }
}

// PostgreSQL text and jsonb cannot hold NUL, which a receiver's response may contain.
function clean(value: string | null): string | null {
  return value === null ? null : value.replaceAll('\u0000', '');
}

function cleanRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [clean(k) ?? '', clean(v) ?? '']));
}
