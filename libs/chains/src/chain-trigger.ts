// Events start runs: inside the publishing transaction, one run per active chain whose trigger_event matches the
// event (exact, prefix.* or *), at most once per (event, chain). Published through the API, routed from an inbound
// webhook, or operational: every path goes through EventsService, which calls the hooks. The API's group commit asks
// first (probe) which of a batch's event names trigger an active chain, and runs the hook for the events of those.
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { TenantStatement } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { EventEntity, EventHooks, matchingPatterns } from '@conduit/webhooks';
import { ChainsRepository } from './repositories/chains.repository';
import { RunLauncher } from './run-launcher';

@Injectable()
export class ChainTrigger implements OnModuleInit {
  constructor(
    private readonly hooks: EventHooks,
    private readonly launcher: RunLauncher,
    private readonly chains: ChainsRepository,
  ) {}

  onModuleInit(): void {
    this.hooks.register({
      published: (event) => this.onEvent(event),
      probe: (tenantId, eventNames) => this.probe(tenantId, eventNames),
    });
  }

  /** The event names among these that trigger an active chain (rows of `event_name`). */
  probe(tenantId: TenantId, eventNames: string[]): TenantStatement {
    return this.chains.triggeredProbe(
      tenantId,
      eventNames.map((name) => ({ name, patterns: matchingPatterns(name) })),
    );
  }

  async onEvent(event: EventEntity): Promise<void> {
    const chains = await this.launcher.launchable(event.tenant_id, { patterns: matchingPatterns(event.event_name) });
    for (const chain of chains) {
      await this.launcher.launch(chain, {
        triggerType: 'event',
        triggerEvent: event.event_name,
        triggerEventId: event.id,
        triggerData: event.payload,
        createdBy: null,
      });
    }
  }
}
