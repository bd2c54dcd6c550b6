// Sends one attempt of a claimed delivery: signs the request as every delivery is signed and exchanges it through the
// deliveries' outbound client. What to record afterwards is the caller's rule (the engine's retries and endpoint
// health, or a test send's single attempt).
import { Injectable, Logger } from '@nestjs/common';
import { Clock, IdGenerator } from '@conduit/platform';
import type { OutboundResult } from '@conduit/outbound-http';
import { issuePrivateWebhookToken } from '@conduit/signatures';
import { DeliveryHttpClient } from './delivery-http-client';
import { DeliveryRequest, buildDeliveryRequest, webhookSecretKeyBytes } from './delivery-request';
import type { AttemptRecord, ClaimedDelivery } from '../repositories/delivery-store';
import { SubscriptionCredentials } from './subscription-credentials';

export interface SentAttempt {
  /** The receiver took the message: record it delivered. Otherwise it is a failed attempt. */
  delivered: boolean;
  /** The exchange (an empty failure when the request could not be signed). */
  result: OutboundResult;
  attempt: AttemptRecord;
}

@Injectable()
export class DeliverySender {
  private readonly logger = new Logger(DeliverySender.name);

  constructor(
    private readonly credentials: SubscriptionCredentials,
    private readonly http: DeliveryHttpClient,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async send(d: ClaimedDelivery): Promise<SentAttempt> {
    const attemptId = this.ids.next();
    let request: DeliveryRequest;
    try {
      request = await this.buildRequest(d);
    } catch (err) {
      // An unreadable secret will not heal by itself: count it as a failed attempt instead of looping on the lease.
      this.logger.error({ delivery_id: d.id, err: (err as Error).message }, 'could not build the delivery request');
      const result: OutboundResult = {
        ok: false,
        headers: {},
        body: '',
        truncated: false,
        durationMs: 0,
        errorClass: undefined,
        errorMessage: `could not sign the request: ${(err as Error).message}`,
      };
      return { delivered: false, result, attempt: attemptRecord(attemptId, result, {}, 'signing_failed') };
    }

    const result = await this.http.send({
      url: d.subscription.target_url,
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    if (acceptedWithIncompleteBody(result)) {
      // The receiver took the webhook (2xx status line); only its answer's body did not arrive in full. Standard
      // Webhooks decides on the status: sending it again would hand the receiver a duplicate it already accepted.
      const attempt = {
        ...attemptRecord(attemptId, { ...result, errorClass: undefined }, request.recordedHeaders),
        errorMessage: `response body incomplete (${result.errorClass}): ${result.errorMessage ?? ''}`.trim(),
        responseTruncated: true,
      };
      return { delivered: true, result, attempt };
    }
    return { delivered: result.ok, result, attempt: attemptRecord(attemptId, result, request.recordedHeaders) };
  }

  private async buildRequest(d: ClaimedDelivery): Promise<DeliveryRequest> {
    const sub = d.subscription;
    const credentials = await this.credentials.open(sub);
    const now = this.clock.now();
    return buildDeliveryRequest({
      deliveryId: d.id,
      eventName: d.event.name,
      eventCreatedAt: d.event.created_at,
      payload: d.event.payload,
      payloadFormat: sub.payload_format,
      secrets: SubscriptionCredentials.activeSecrets(credentials, now),
      customHeaders: credentials.headers,
      // Private subscriptions get an HS256 JWT keyed by the current signing secret's key bytes (the base64 part of
      // whsec_...): the receiver already holds that secret, so it needs nothing else to verify the token, and a
      // rotation rotates the token key with it.
      bearerToken:
        sub.type === 'private'
          ? issuePrivateWebhookToken({
              subscriptionId: sub.id,
              tenantId: d.tenant_id,
              appName: sub.app_name,
              signingKey: webhookSecretKeyBytes(credentials.secret),
              now,
            })
          : undefined,
      now,
    });
  }
}

function attemptRecord(
  id: string,
  result: OutboundResult,
  requestHeaders: Record<string, string>,
  errorClass?: string,
): AttemptRecord {
  return {
    id,
    statusCode: result.statusCode ?? null,
    durationMs: result.durationMs,
    errorClass: errorClass ?? result.errorClass ?? null,
    errorMessage: result.errorMessage ?? null,
    requestHeaders,
    responseHeaders: result.headers,
    responseBody: result.body === '' && result.statusCode === undefined ? null : result.body,
    responseTruncated: result.truncated,
  };
}

/**
 * A 2xx status line whose body then timed out or was cut off: the receiver accepted the webhook. (Chain steps, which
 * use response bodies, keep counting this as a failure; a delivery only needs the status.)
 */
export function acceptedWithIncompleteBody(result: OutboundResult): boolean {
  const accepted = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
  return (
    accepted &&
    !result.ok &&
    (result.errorClass === 'timeout' || result.errorClass === 'connection_reset' || result.errorClass === 'network')
  );
}
