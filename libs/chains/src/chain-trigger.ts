// Events start runs: inside the publishing transaction, one run per active chain whose trigger_event matches the
// event (exact, prefix.* or *), at most once per (event, chain). Published through the API, routed from an inbound
// webhook, or operational: every path goes through EventsService, which calls the hooks.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventEntity, EventHooks, matchingPatterns } from '@conduit/webhooks';
import { RunLauncher } from './run-launcher';

@Injectable()
export class ChainTrigger implements OnModuleInit {
  constructor(
    private readonly hooks: EventHooks,
    private readonly launcher: RunLauncher,
  ) {}

  onModuleInit(): void {
    this.hooks.register((event) => this.onEvent(event));
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
