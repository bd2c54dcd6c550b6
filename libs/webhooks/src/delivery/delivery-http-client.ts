// The one outbound client every delivery shares (its keep-alive pool is the point), configured from WEBHOOK_* and
// OUTBOUND_*.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { OutboundHttpClient, OutboundHttpOptions } from '@conduit/outbound-http';

export function deliveryHttpOptions(config: ConduitConfig): Partial<OutboundHttpOptions> {
  return {
    connectTimeoutMs: config.WEBHOOK_CONNECT_TIMEOUT_MS,
    responseTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    maxResponseBytes: config.WEBHOOK_RESPONSE_BODY_LIMIT,
    allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
    allowPrivateNetworks: config.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
  };
}

@Injectable()
export class DeliveryHttpClient extends OutboundHttpClient implements OnApplicationShutdown {
  constructor(@InjectConfig() config: ConduitConfig) {
    super(deliveryHttpOptions(config));
  }

  // Not onModuleDestroy: Nest runs that before beforeApplicationShutdown, where the worker drains in-flight
  // deliveries that still need these sockets.
  onApplicationShutdown(): void {
    this.close();
  }
}
