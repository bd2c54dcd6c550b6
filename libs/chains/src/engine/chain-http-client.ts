// The outbound client chain steps share: the SSRF policy of every outbound call, the chains' own timeouts, and room
// for response bodies that later steps read.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { OutboundHttpClient } from '@conduit/outbound-http';

@Injectable()
export class ChainHttpClient extends OutboundHttpClient implements OnApplicationShutdown {
  constructor(@InjectConfig() config: ConduitConfig) {
    super({
      connectTimeoutMs: config.CHAIN_CONNECT_TIMEOUT_MS,
      responseTimeoutMs: config.CHAIN_TIMEOUT_MS,
      // A step's response is parsed for later steps, so more of it is kept than of a delivery's.
      maxResponseBytes: config.CHAIN_RESPONSE_BODY_LIMIT,
      allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
      allowPrivateNetworks: config.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
      userAgent: 'Conduit-Chains/1.0',
    });
  }

  onApplicationShutdown(): void {
    this.close();
  }
}
