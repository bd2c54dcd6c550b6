// A subscription's test message, sent at once by the API (not queued for the worker) so the caller sees the outcome:
// signed and sent like any delivery, recorded as its delivery's one attempt.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { DeliverySender } from './delivery/delivery-sender';
import { DeliveryStore } from './repositories/delivery-store';
import { TestEventDto, TestEventResponse } from './dto/subscription.dto';
import { EventsService } from './events.service';
import { SubscriptionsService } from './subscriptions.service';
import { WebhookException } from './webhook.exception';

export const TEST_EVENT_NAME = 'webhook.test';
export const TEST_EVENT_SOURCE = 'conduit.test';

@Injectable()
export class TestSender {
  constructor(
    private readonly db: TenantContext,
    private readonly access: AccessService,
    private readonly subscriptions: SubscriptionsService,
    private readonly events: EventsService,
    private readonly store: DeliveryStore,
    private readonly sender: DeliverySender,
  ) {}

  /**
   * Runs outside a request transaction (@OwnTransactions): the rows are committed first, the exchange (up to
   * WEBHOOK_TIMEOUT_MS) holds no database connection, and the attempt is recorded in a transaction of its own.
   * Circuit breaker and rate limit do not hold a test back, and its outcome does not count against the endpoint's
   * health; a success heals it, as a successful probe would.
   */
  async send(subscriptionId: string, dto: TestEventDto): Promise<TestEventResponse> {
    const tenantId = this.access.tenant().id;
    const { event, deliveryId } = await this.db.runInTenant(tenantId, async () => {
      const sub = await this.subscriptions.loadSending(subscriptionId);
      return this.events.writeUnqueued(
        tenantId,
        {
          event_name: dto.event_name ?? TEST_EVENT_NAME,
          source: TEST_EVENT_SOURCE,
          payload: dto.payload ?? { test: true, subscription_id: sub.id },
        },
        sub,
      );
    });
    const claimed = await this.store.claim(tenantId, deliveryId, 1);
    // Only the reconciler could have taken it, had this request stalled for its grace period.
    if (!claimed) throw new WebhookException('delivery_in_progress', 'The test delivery is already being attempted');

    const { delivered, result, attempt } = await this.sender.send(claimed);
    if (delivered) await this.store.recordDelivered(claimed, attempt);
    // A test is one attempt: it fails for good, without the retries, circuit counts and events of a failed delivery.
    else await this.db.runInTenant(tenantId, () => this.store.recordFailure(claimed, { status: 'failed' }, attempt));
    return {
      event_id: event.id,
      delivery_id: claimed.id,
      event_name: event.event_name,
      status: delivered ? 'delivered' : 'failed',
      status_code: attempt.statusCode,
      duration_ms: result.durationMs,
      error_class: attempt.errorClass,
      error_message: attempt.errorMessage,
      response_body: attempt.responseBody,
      response_truncated: attempt.responseTruncated,
    };
  }
}
