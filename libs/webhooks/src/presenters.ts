import type { DeliveryAttemptResponse, DeliveryResponse, EventResponse } from './dto/event.dto';
import type { DeliveryAttemptEntity } from './entities/delivery-attempt.entity';
import type { DeliveryEntity } from './entities/delivery.entity';
import type { EventEntity } from './entities/event.entity';

export function presentEvent(e: EventEntity): EventResponse {
  return {
    id: e.id,
    event_name: e.event_name,
    source: e.source,
    payload: e.payload,
    idempotency_key: e.idempotency_key,
    delivery_count: e.delivery_count,
    created_at: e.created_at.toISOString(),
  };
}

export function presentDelivery(d: DeliveryEntity & { event_name?: string }): DeliveryResponse {
  return {
    id: d.id,
    event_id: d.event_id,
    subscription_id: d.subscription_id,
    event_name: d.event_name ?? '',
    status: d.status,
    attempt_count: d.attempt_count,
    next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
    last_status_code: d.last_status_code,
    last_error_class: d.last_error_class,
    last_error: d.last_error,
    delivered_at: d.delivered_at?.toISOString() ?? null,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  };
}

export function presentAttempt(a: DeliveryAttemptEntity): DeliveryAttemptResponse {
  return {
    attempt_number: a.attempt_number,
    status_code: a.status_code,
    duration_ms: a.duration_ms,
    error_class: a.error_class,
    error_message: a.error_message,
    request_headers: a.request_headers,
    response_headers: a.response_headers,
    response_body: a.response_body,
    response_truncated: a.response_truncated,
    created_at: a.created_at.toISOString(),
  };
}
