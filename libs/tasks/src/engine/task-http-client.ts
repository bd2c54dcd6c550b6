// The outbound client task runs share: the SSRF policy of every outbound call, the executor's own limits (a task's
// timeout_ms bounds each attempt below TASK_TIMEOUT_MS), and room for the responses outputs are read from.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { OutboundHttpClient } from '@conduit/outbound-http';

@Injectable()
export class TaskHttpClient extends OutboundHttpClient implements OnApplicationShutdown {
  constructor(@InjectConfig() config: ConduitConfig) {
    super({
      connectTimeoutMs: config.TASK_CONNECT_TIMEOUT_MS,
      responseTimeoutMs: config.TASK_TIMEOUT_MS,
      maxResponseBytes: config.TASK_RESPONSE_BODY_LIMIT,
      allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
      allowPrivateNetworks: config.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
      userAgent: 'Conduit-Tasks/1.0',
    });
  }

  onApplicationShutdown(): void {
    this.close();
  }
}
