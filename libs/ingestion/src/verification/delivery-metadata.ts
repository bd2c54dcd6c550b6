// Where each provider puts its delivery id (for deduplication) and its event type.
import { InboundProvider, headerValue } from '@conduit/signatures';

type Headers = Record<string, string | undefined>;

/** The provider's delivery id used for deduplication, if any; `Idempotency-Key` when the provider has none. */
export function providerDeliveryId(
  provider: InboundProvider,
  headers: Headers,
  parsedBody: unknown,
): string | undefined {
  return ownDeliveryId(provider, headers, parsedBody) ?? headerValue(headers, 'idempotency-key');
}

/** Event type as the provider names it, if it does. */
export function providerEventType(
  provider: InboundProvider,
  headers: Headers,
  parsedBody: unknown,
): string | undefined {
  switch (provider) {
    case 'stripe':
    case 'standard_webhooks':
      return bodyString(parsedBody, 'type');
    case 'github': {
      const event = headerValue(headers, 'x-github-event');
      if (!event) return undefined;
      const action = bodyString(parsedBody, 'action');
      return action ? `${event}.${action}` : event;
    }
    case 'hmac':
    case 'jwt_hmac':
      return headerValue(headers, 'x-loki-event');
    case 'api_key':
    case 'basic':
    case 'none':
      return undefined;
  }
}

function ownDeliveryId(provider: InboundProvider, headers: Headers, parsedBody: unknown): string | undefined {
  switch (provider) {
    case 'stripe':
      return bodyString(parsedBody, 'id');
    case 'github':
      return headerValue(headers, 'x-github-delivery');
    case 'standard_webhooks':
      return headerValue(headers, 'webhook-id');
    case 'hmac':
    case 'jwt_hmac':
    case 'api_key':
    case 'basic':
    case 'none':
      return undefined;
  }
}

function bodyString(body: unknown, key: string): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const value: unknown = (body as Record<string, unknown>)[key];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
