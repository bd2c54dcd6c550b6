import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type WebhookErrorCode =
  | 'subscription_not_found'
  | 'event_not_found'
  | 'delivery_not_found'
  | 'invalid_filter'
  | 'invalid_event_type'
  | 'invalid_target_url'
  | 'invalid_headers'
  | 'delivery_in_progress';

const STATUS: Record<WebhookErrorCode, HttpStatusCode> = {
  subscription_not_found: 404,
  event_not_found: 404,
  delivery_not_found: 404,
  invalid_filter: 400,
  invalid_event_type: 400,
  invalid_target_url: 400,
  invalid_headers: 400,
  delivery_in_progress: 409,
};

export class WebhookException extends ConduitException<WebhookErrorCode> {
  constructor(code: WebhookErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}
