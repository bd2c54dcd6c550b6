// The delivery engine's hot statements. $n placeholders: the batches are prepared once per connection
// (TenantRoundTrip.execute), the failure record is bound by TypeORM inside the engine's transaction.
import { preparedStatement } from '@conduit/database';

/**
 * Claims a batch: $1 jsonb [{idx, id, attempt}], $2 lease seconds, $3 tenant. A row is claimed when it waits for
 * exactly that attempt and is pending, or leased by a holder whose lease ran out. Returns one row per claim (by idx)
 * with the event and the subscription joined. All rows of a batch share one lease expiry (now() is per transaction),
 * which is still unique per claim of a row.
 */
export const CLAIM_BATCH = preparedStatement(
  'delivery_claim',
  `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(idx int, id uuid, attempt int)
  ), claimed AS (
    UPDATE webhook_deliveries d
       SET status = 'delivering', lease_expires_at = now() + make_interval(secs => $2::int), updated_at = now()
      FROM input i
     WHERE d.id = i.id AND d.tenant_id = $3::uuid AND d.attempt_count = i.attempt - 1
       AND (d.status = 'pending' OR (d.status = 'delivering' AND d.lease_expires_at < now()))
    RETURNING i.idx, d.id, d.tenant_id, d.event_id, d.subscription_id, d.attempt_count, d.next_attempt_at, d.lease_expires_at
  )
  SELECT c.idx, c.id, c.tenant_id, c.event_id, c.subscription_id, c.attempt_count, c.next_attempt_at,
         c.lease_expires_at::text AS lease_token, now() AS db_now,
         e.event_name, e.source AS event_source, e.payload AS event_payload, e.created_at AS event_created_at,
         s.app_name, s.target_url, s.type, s.payload_format, s.headers_sealed, s.secret_sealed, s.previous_secret_sealed,
         s.previous_secret_expires_at, s.retry_schedule, s.rate_limit_per_second, s.is_active, s.deleted_at,
         s.circuit_state, s.circuit_opened_at, s.consecutive_failures, s.failing_since, s.updated_at AS s_updated_at
    FROM claimed c
    JOIN webhook_events e ON e.id = c.event_id
    JOIN webhook_subscriptions s ON s.id = c.subscription_id`,
);

/**
 * Records a batch of successful attempts: $1 jsonb [{idx, id, attempt, lease, attempt_id, subscription_id,
 * status_code, duration_ms, error_message (a 2xx whose body did not arrive in full), request_headers, response_headers,
 * response_body, response_truncated}], $2 tenant.
 * Only rows whose lease is still the claimer's are written (a reclaimed row belongs to its new holder), and
 * subscriptions are healed only when they were not healthy, so a hot subscription's row is not rewritten per delivery.
 * Returns the idx of every row written.
 */
export const RECORD_DELIVERED_BATCH = preparedStatement(
  'delivery_record',
  `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
      idx int, id uuid, attempt int, lease text, attempt_id uuid, subscription_id uuid, status_code int, duration_ms int,
      error_message text, request_headers jsonb, response_headers jsonb, response_body text, response_truncated boolean)
  ), d AS (
    UPDATE webhook_deliveries w
       SET status = 'delivered', attempt_count = i.attempt, lease_expires_at = NULL, next_attempt_at = NULL,
           delivered_at = now(), updated_at = now(), last_status_code = i.status_code, last_error_class = NULL, last_error = NULL
      FROM input i
     WHERE w.id = i.id AND w.tenant_id = $2::uuid AND w.status = 'delivering' AND w.lease_expires_at = i.lease::timestamptz
    RETURNING i.idx
  ), a AS (
    INSERT INTO webhook_delivery_attempts (id, tenant_id, delivery_id, attempt_number, status_code, duration_ms, error_class,
                                           error_message, request_headers, response_headers, response_body, response_truncated, created_at)
    SELECT i.attempt_id, $2::uuid, i.id, i.attempt, i.status_code, i.duration_ms, NULL, i.error_message, i.request_headers,
           i.response_headers, i.response_body, i.response_truncated, now()
      FROM input i JOIN d ON d.idx = i.idx
  ), healed AS (
    UPDATE webhook_subscriptions s
       SET consecutive_failures = 0, circuit_state = 'closed', circuit_opened_at = NULL, failing_since = NULL
     WHERE s.id IN (SELECT i.subscription_id FROM input i JOIN d ON d.idx = i.idx)
       AND (s.consecutive_failures > 0 OR s.circuit_state <> 'closed' OR s.failing_since IS NOT NULL)
  )
  SELECT idx FROM d`,
);

/**
 * Records one attempt that failed, inside the engine's tenant transaction (with the subscription's health):
 * $1 delivery, $2 tenant, $3 attempt, $4 new status (pending | failed), $5 retry delay ms, $6 lease token,
 * $7 status code, $8 duration ms, $9 error class, $10 error message, $11 attempt id, $12 request headers,
 * $13 response headers, $14 response body, $15 truncated. Returns recorded = 1, or 0 when the lease was lost.
 */
export const RECORD_FAILURE_SQL = `
  WITH d AS (
    UPDATE webhook_deliveries
       SET status = $4::text, attempt_count = $3::int, lease_expires_at = NULL, updated_at = now(),
           next_attempt_at = CASE WHEN $4::text = 'pending' THEN now() + make_interval(secs => $5::double precision / 1000) END,
           last_status_code = $7::int, last_error_class = $9::text, last_error = $10::text
     WHERE id = $1::uuid AND tenant_id = $2::uuid AND status = 'delivering' AND lease_expires_at = $6::timestamptz
    RETURNING id, tenant_id
  ), a AS (
    INSERT INTO webhook_delivery_attempts (id, tenant_id, delivery_id, attempt_number, status_code, duration_ms, error_class,
                                           error_message, request_headers, response_headers, response_body, response_truncated, created_at)
    SELECT $11::uuid, d.tenant_id, d.id, $3::int, $7::int, $8::int, $9::text, $10::text, $12::jsonb, $13::jsonb, $14::text, $15::boolean, now()
      FROM d
    RETURNING id
  )
  SELECT (SELECT count(*) FROM a)::int AS recorded`;
