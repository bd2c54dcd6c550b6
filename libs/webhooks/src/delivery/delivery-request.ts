// What one attempt sends: the body serialised once, and the headers that sign exactly those bytes.
import type { PayloadFormat } from '../entities/subscription.entity';
import { signLoki, signStandardWebhook } from '@conduit/signatures';

export const REDACTED = '[REDACTED]';

export interface DeliveryRequestInput {
  deliveryId: string;
  eventName: string;
  eventCreatedAt: Date;
  payload: unknown;
  payloadFormat: PayloadFormat;
  /** Active signing secrets, current first. */
  secrets: readonly string[];
  customHeaders: Readonly<Record<string, string>>;
  /** Bearer token for private subscriptions. */
  bearerToken?: string;
  now: Date;
}

export interface DeliveryRequest {
  body: string;
  headers: Record<string, string>;
  /** The headers as recorded with the attempt: credentials replaced by [REDACTED]. */
  recordedHeaders: Record<string, string>;
}

export function deliveryBody(
  input: Pick<DeliveryRequestInput, 'eventName' | 'eventCreatedAt' | 'payload' | 'payloadFormat'>,
): string {
  if (input.payloadFormat === 'raw') return JSON.stringify(input.payload ?? null);
  return JSON.stringify({
    type: input.eventName,
    timestamp: input.eventCreatedAt.toISOString(),
    data: input.payload ?? null,
  });
}

export function buildDeliveryRequest(input: DeliveryRequestInput): DeliveryRequest {
  const body = deliveryBody(input);
  const [current] = input.secrets;
  if (current === undefined) throw new RangeError('buildDeliveryRequest: no signing secret');
  // Our headers are set after the subscription's, so they always win (reserved names are refused at creation anyway).
  const headers: Record<string, string> = {
    ...input.customHeaders,
    'content-type': 'application/json',
    ...signStandardWebhook({ id: input.deliveryId, timestamp: input.now, body }, input.secrets),
    ...signLoki(body, current, input.now, input.eventName),
  };
  if (input.bearerToken) headers.authorization = `Bearer ${input.bearerToken}`;

  // Subscription header values are sealed at rest because they may be credentials: never recorded in clear.
  const recordedHeaders: Record<string, string> = { ...headers };
  for (const name of Object.keys(input.customHeaders)) recordedHeaders[name] = REDACTED;
  if (recordedHeaders.authorization !== undefined) recordedHeaders.authorization = REDACTED;
  return { body, headers, recordedHeaders };
}

/** The HMAC key inside a `whsec_<base64>` secret: also the HS256 key of private subscriptions' bearer tokens. */
export function webhookSecretKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}
