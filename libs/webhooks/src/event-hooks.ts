// Other modules react to published events inside the publishing transaction (execution chains create their runs
// here), so an event and everything it starts commit together or not at all.
import { Injectable } from '@nestjs/common';
import type { EventEntity } from './entities/event.entity';

export type EventPublishedHook = (event: EventEntity) => Promise<void>;

@Injectable()
export class EventHooks {
  private readonly hooks: EventPublishedHook[] = [];

  register(hook: EventPublishedHook): void {
    this.hooks.push(hook);
  }

  /** Runs inside the tenant transaction of the publish; a failing hook fails the publish. */
  async published(event: EventEntity): Promise<void> {
    for (const hook of this.hooks) await hook(event);
  }
}
