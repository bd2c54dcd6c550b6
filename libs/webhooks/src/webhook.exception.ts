import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type WebhookErrorCode =
  | 'subscription_not_found'
  | 'event_not_found'
  | 'delivery_not_found'
  | 'invalid_filter'
  | 'invalid_event_type'
  | 'invalid_target_url'
  | 'target_not_allowed'
  | 'invalid_headers'
  | 'delivery_in_progress'
  | 'subscription_disabled'
  | 'subscription_deleted'
  | 'idempotency_conflict';

const STATUS: Record<WebhookErrorCode, HttpStatusCode> = {
  subscription_not_found: 404,
  event_not_found: 404,
  delivery_not_found: 404,
  invalid_filter: 400,
  invalid_event_type: 400,
  invalid_target_url: 400,
  target_not_allowed: 400,
  invalid_headers: 400,
  delivery_in_progress: 409,
  subscription_disabled: 409,
  subscription_deleted: 409,
  idempotency_conflict: 409,
};

export class WebhookException extends ConduitException<WebhookErrorCode> {
  constructor(code: WebhookErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}

/** 409 for actions that would only queue deliveries the worker cancels at once. */
export function subscriptionDisabled(reason: string | null): WebhookException {
  return new WebhookException(
    'subscription_disabled',
    `The subscription is disabled${reason ? ` (${reason})` : ''}: enable it (PATCH is_active: true) first`,
  );
}
