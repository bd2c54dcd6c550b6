// What one step attempt sends: the rendered request_params as the JSON body, signed like a delivery (Standard
// Webhooks + the seed's X-Loki-* headers, webhook-id = the step run id), plus the step's own headers.
import {
  REDACTED,
  SubscriptionCredentials,
  buildDeliveryRequest,
  webhookSecretKeyBytes,
} from '@conduit/webhooks/engine';
import type { OpenedCredentials } from '@conduit/webhooks/engine';
import { issuePrivateWebhookToken } from '@conduit/signatures';
import type { TenantId } from '@conduit/platform';

export interface StepRequestInput {
  stepRunId: string;
  runId: string;
  stepOrder: number;
  kind: 'step' | 'compensation';
  tenantId: TenantId;
  eventName: string;
  runCreatedAt: Date;
  body: unknown;
  /** Rendered with real credentials. */
  headers: Record<string, string>;
  /** The same headers rendered with credentials masked. */
  maskedHeaders: Record<string, string>;
  subscription: { id: string; app_name: string; type: 'public' | 'private' };
  credentials: OpenedCredentials;
  now: Date;
}

export interface StepRequest {
  body: string;
  headers: Record<string, string>;
  recordedHeaders: Record<string, string>;
}

export function buildStepRequest(input: StepRequestInput): StepRequest {
  const { subscription: sub, credentials, now } = input;
  const request = buildDeliveryRequest({
    deliveryId: input.stepRunId,
    eventName: input.eventName,
    eventCreatedAt: input.runCreatedAt,
    payload: input.body,
    payloadFormat: 'raw',
    secrets: SubscriptionCredentials.activeSecrets(credentials, now),
    customHeaders: { ...credentials.headers, ...input.headers },
    bearerToken:
      sub.type === 'private'
        ? issuePrivateWebhookToken({
            subscriptionId: sub.id,
            tenantId: input.tenantId,
            appName: sub.app_name,
            signingKey: webhookSecretKeyBytes(credentials.secret),
            now,
          })
        : undefined,
    now,
  });
  const chainHeaders = {
    'x-conduit-chain-run': input.runId,
    'x-conduit-chain-step': `${input.kind === 'compensation' ? 'compensation:' : ''}${input.stepOrder}`,
  };
  // Subscription headers stay [REDACTED] (buildDeliveryRequest did that); the step's own show with credentials masked.
  const recordedHeaders: Record<string, string> = {
    ...request.recordedHeaders,
    ...input.maskedHeaders,
    ...chainHeaders,
  };
  for (const name of Object.keys(credentials.headers)) if (!(name in input.headers)) recordedHeaders[name] = REDACTED;
  if (request.headers.authorization !== undefined && sub.type === 'private') recordedHeaders.authorization = REDACTED;
  return { body: request.body, headers: { ...request.headers, ...chainHeaders }, recordedHeaders };
}

/** Header values rendered from templates may be numbers or objects: headers carry text. */
export function headerText(rendered: unknown): Record<string, string> {
  if (rendered === null || typeof rendered !== 'object') return {};
  return Object.fromEntries(
    Object.entries(rendered).map(([k, v]) => [
      k,
      typeof v === 'string'
        ? v
        : v === null || v === undefined
          ? ''
          : typeof v === 'object'
            ? JSON.stringify(v)
            : String(v),
    ]),
  );
}
