// The one outbound client the monitors' checks share (keep-alive pool, the SSRF address policy), configured from
// MONITOR_* and OUTBOUND_*. Each check passes its own timeout_ms.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { OutboundHttpClient } from '@conduit/outbound-http';
import { MAX_TIMEOUT_MS } from '../dto/monitor.dto';

@Injectable()
export class MonitorHttpClient extends OutboundHttpClient implements OnApplicationShutdown {
  constructor(@InjectConfig() config: ConduitConfig) {
    super({
      connectTimeoutMs: MAX_TIMEOUT_MS,
      responseTimeoutMs: MAX_TIMEOUT_MS,
      maxResponseBytes: config.MONITOR_RESPONSE_BODY_LIMIT,
      allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
      allowPrivateNetworks: config.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
      userAgent: 'Conduit-Monitor/1.0',
    });
  }

  // After the scheduler drained its checks (beforeApplicationShutdown).
  onApplicationShutdown(): void {
    this.close();
  }
}
