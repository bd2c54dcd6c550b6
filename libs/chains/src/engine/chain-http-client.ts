// The outbound client chain steps share: the deliveries' timeouts and SSRF policy, with room for response bodies that
// later steps read.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { OutboundHttpClient } from '@conduit/outbound-http';
import { deliveryHttpOptions } from '@conduit/webhooks';

/** A step's response is parsed for later steps, so more of it is kept than of a delivery's. */
export const STEP_RESPONSE_BODY_LIMIT = 256 * 1024;

@Injectable()
export class ChainHttpClient extends OutboundHttpClient implements OnApplicationShutdown {
  constructor(@InjectConfig() config: ConduitConfig) {
    super({
      ...deliveryHttpOptions(config),
      maxResponseBytes: Math.max(config.WEBHOOK_RESPONSE_BODY_LIMIT, STEP_RESPONSE_BODY_LIMIT),
      userAgent: 'Conduit-Chains/1.0',
    });
  }

  onApplicationShutdown(): void {
    this.close();
  }
}
